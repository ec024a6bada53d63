"""Reads of the ledger: one artifact, the keyset-paginated index, the download document and the diff."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q, Subquery

from rmos_site.core.cursors import cursor_read, cursor_sign, invalid_cursor
from rmos_site.core.db_router import read_db
from runs import hashing
from runs.errors import invalid_run_id, run_not_found
from runs.models import DrawingFile, RunArtifact

# Lowercase only: ids are generated lowercase, and accepting other spellings would give one artifact several
# URLs (and several cache entries for one ETag). fullmatch, so a trailing newline is malformed too.
_RUN_ID = re.compile(r"run_[0-9a-f]{32}")

LIST_FILTERS = (
    "status",
    "kind",
    "mode",
    "risk_level",
    "tool_id",
    "tool_id_prefix",
    "material_id",
    "machine_id",
    "session_id",
)
ITEM_FIELDS = (
    "run_id",
    "created_at",
    "kind",
    "status",
    "mode",
    "tool_id",
    "material_id",
    "machine_id",
    "session_id",
    "risk_level",
    "score",
    "feasibility_sha256",
    "toolpaths_sha256",
)
LIMIT_DEFAULT, LIMIT_MIN, LIMIT_MAX = 50, 1, 200
_CURSOR_SALT = "runs.cursor"
HASH_NAMES = ("request_sha256", "feasibility_sha256", "toolpaths_sha256", "gcode_sha256", "content_sha256")
CHAIN_HASH_NAMES = (*HASH_NAMES, "prev_sha256", "chain_sha256")


def is_run_id(value: str) -> bool:
    return isinstance(value, str) and _RUN_ID.fullmatch(value) is not None


def run_get(run_id: str) -> RunArtifact:
    """The artifact ``run_id``; 400 INVALID_RUN_ID when malformed, 404 RUN_NOT_FOUND when unknown."""
    if not is_run_id(run_id):
        raise invalid_run_id()
    # A replica lags: a run its writer has just reported may not be there yet, so a miss asks the primary.
    for db in dict.fromkeys([read_db(), "default"]):
        try:
            return RunArtifact.objects.using(db).get(run_id=run_id)
        except RunArtifact.DoesNotExist:
            pass
    raise run_not_found(run_id)


def clamp_limit(limit: int | None) -> int:
    return LIMIT_DEFAULT if limit is None else max(LIMIT_MIN, min(LIMIT_MAX, limit))


def run_list(filters: dict, *, limit: int | None = None, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of the index, newest first, and the cursor of the next page (None on the last one).

    ``filters`` maps the names in ``LIST_FILTERS`` to a value or a list of values (OR within a name, AND
    across names) and ``date_from``/``date_to`` to ``date`` objects (inclusive, UTC); values must already be
    validated (``runs.serializers.RunListQuerySerializer``). Items are dicts of ``ITEM_FIELDS`` with
    ``created_at`` a UTC datetime.

    Keyset pagination on seq: exactly one query, no OFFSET and no COUNT, so every page costs the same. The
    cursor holds the last seq shown and is signed and bound to the filters, so a forged, truncated or
    re-targeted cursor is a 400 INVALID_CURSOR rather than a silent restart. Runs written while paging have
    higher seqs than any cursor, so they never shift or repeat a later page.
    """
    limit = clamp_limit(limit)
    filters = _normalised_filters(filters)
    # The index may come from a read replica (docs/deployment.md): a lagging one shows fewer of the newest
    # runs, never a wrong page, since the cursor is a seq.
    queryset = RunArtifact.objects.using(read_db())
    if cursor:
        queryset = queryset.filter(seq__lt=_cursor_seq(cursor, filters))
    for name in LIST_FILTERS:
        values = filters.get(name)
        if not values:
            continue
        if name == "tool_id_prefix":
            prefixes = Q()
            for prefix in values:
                prefixes |= Q(tool_id__startswith=prefix)
            queryset = queryset.filter(prefixes)
        else:
            queryset = queryset.filter(**{f"{name}__in": values})
    # created_at never decreases along seq (the service and the insert trigger see to it), so a date range
    # is a seq range: two index probes on (created_at, seq) instead of a scan of every newer row.
    if filters.get("date_from"):
        start = datetime.combine(filters["date_from"], time.min, tzinfo=UTC)
        first = RunArtifact.objects.filter(created_at__gte=start).order_by("created_at", "seq").values("seq")[:1]
        queryset = queryset.filter(seq__gte=Subquery(first))
    if filters.get("date_to"):
        end = datetime.combine(filters["date_to"] + timedelta(days=1), time.min, tzinfo=UTC)
        last = RunArtifact.objects.filter(created_at__lt=end).order_by("-created_at", "-seq").values("seq")[:1]
        queryset = queryset.filter(seq__lte=Subquery(last))
    rows = list(queryset.order_by("-seq").values("seq", *ITEM_FIELDS)[: limit + 1])
    next_cursor = _cursor_for(rows[limit - 1]["seq"], filters) if len(rows) > limit else None
    items = [{name: row[name] for name in ITEM_FIELDS} for row in rows[:limit]]
    return items, next_cursor


def _normalised_filters(filters: dict) -> dict:
    normalised = {}
    for name in LIST_FILTERS:
        values = filters.get(name)
        if values in (None, "", []):
            continue
        values = [values] if isinstance(values, str) else list(values)
        normalised[name] = sorted({str(value) for value in values if value != ""})
    for name in ("date_from", "date_to"):
        value = filters.get(name)
        if value:
            if not isinstance(value, date) or isinstance(value, datetime):
                raise TypeError(f"{name} must be a date")
            normalised[name] = value
    return {name: value for name, value in normalised.items() if value}


def _cursor_for(seq: int, filters: dict) -> str:
    return cursor_sign(salt=_CURSOR_SALT, position={"seq": seq}, filters=filters)


def _cursor_seq(cursor: str, filters: dict) -> int:
    seq = cursor_read(cursor, salt=_CURSOR_SALT, filters=filters).get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise invalid_cursor()
    return seq


# --- one artifact as a document ------------------------------------------------------------------------


def run_document(artifact: RunArtifact) -> dict:
    """The JSON representation of an artifact, for the detail endpoint and the download."""
    hashes = {name: getattr(artifact, name) for name in CHAIN_HASH_NAMES}
    return {
        "run_id": artifact.run_id,
        "seq": artifact.seq,
        "created_at": hashing.iso_utc(artifact.created_at),
        "kind": artifact.kind,
        "status": artifact.status,
        "mode": artifact.mode,
        "tool_id": artifact.tool_id,
        "material_id": artifact.material_id,
        "machine_id": artifact.machine_id,
        "session_id": artifact.session_id,
        "actor": artifact.actor,
        "risk_level": artifact.risk_level,
        "score": artifact.score,
        "request": artifact.request,
        "discarded_client_fields": artifact.discarded_client_fields,
        "feasibility": artifact.feasibility,
        "registry_snapshot": artifact.registry_snapshot,
        "outputs": {"gcode_text": artifact.gcode_text, "toolpaths": artifact.toolpaths},
        "errors": artifact.errors,
        "engine_version": artifact.engine_version,
        # Flat as well as grouped: integrators of the earlier system read them at the top level.
        **{name: hashes[name] for name in HASH_NAMES},
        "hashes": hashes,
    }


def run_download_bytes(artifact: RunArtifact) -> bytes:
    """The download: ``run_document`` as sorted, indented UTF-8 JSON. A pure function of an immutable row,
    so every download of one artifact is byte-identical."""
    text = json.dumps(run_document(artifact), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


# --- diff ----------------------------------------------------------------------------------------------

# Decision-relevant top-level fields, in the order the diff lists them.
_DIFF_TOP = (
    "kind",
    "status",
    "mode",
    "risk_level",
    "score",
    "tool_id",
    "material_id",
    "machine_id",
    "session_id",
    "engine_version",
)
# Hashes listed as changes; content_sha256 is left out there because it differs between any two runs.
_DIFF_HASHES = ("request_sha256", "feasibility_sha256", "toolpaths_sha256", "gcode_sha256")
# Keys of the stored feasibility result that identify the run rather than describe the decision.
_FEASIBILITY_IDENTITY = frozenset({"run_id", "_run_id"})


def run_diff(a_id: str, b_id: str, *, include_unchanged: bool = False) -> dict:
    """The decision-relevant differences between two artifacts (``b`` relative to ``a``).

    Compares status, kind, ids, risk, score, engine version, the feasibility result (safety: warnings,
    checks, block reason; the resolved cut), the client's design and cut overrides, the registry snapshot,
    the toolpath summary, error codes and the hashes. G-code is compared by ``gcode_sha256`` only; its text
    never appears. 400 INVALID_RUN_ID when either id is malformed (``invalid`` names the sides), 404
    RUN_NOT_FOUND when either is unknown (``missing`` names the sides).
    """
    invalid = [side for side, value in (("a", a_id), ("b", b_id)) if not is_run_id(value)]
    if invalid:
        raise invalid_run_id(invalid=invalid)
    found = {artifact.run_id: artifact for artifact in RunArtifact.objects.filter(run_id__in={a_id, b_id})}
    missing = [side for side, value in (("a", a_id), ("b", b_id)) if value not in found]
    if missing:
        ids = {"a": a_id, "b": b_id}
        raise run_not_found(*(ids[side] for side in missing), missing=missing, a_id=a_id, b_id=b_id)
    a, b = found[a_id], found[b_id]
    a_view, b_view = _decision_view(a), _decision_view(b)
    changes = []
    counts = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
    for path in [*a_view, *(path for path in b_view if path not in a_view)]:
        change = _compare(path, a_view, b_view)
        counts[change["op"]] += 1
        if change["op"] != "unchanged" or include_unchanged:
            changes.append(change)
    summary = {
        "a_status": a.status,
        "b_status": b.status,
        "a_kind": a.kind,
        "b_kind": b.kind,
        "total_changes": counts["added"] + counts["removed"] + counts["changed"],
        "added": counts["added"],
        "removed": counts["removed"],
        "changed": counts["changed"],
    }
    if include_unchanged:
        summary["unchanged"] = counts["unchanged"]
    hashes = {
        name: {"a": getattr(a, name), "b": getattr(b, name), "equal": getattr(a, name) == getattr(b, name)}
        for name in HASH_NAMES
    }
    return {"a_id": a_id, "b_id": b_id, "summary": summary, "changed_fields": changes, "hashes": hashes}


_ABSENT = object()


def _compare(path: str, a_view: dict, b_view: dict) -> dict:
    a_value, b_value = a_view.get(path, _ABSENT), b_view.get(path, _ABSENT)
    if a_value is _ABSENT:
        op = "added"
    elif b_value is _ABSENT:
        op = "removed"
    elif _same(a_value, b_value):
        op = "unchanged"
    else:
        op = "changed"
    change = {
        "field": re.split(r"\.(?![^\[]*\])", path)[-1],
        "path": path,
        "a": None if a_value is _ABSENT else a_value,
        "b": None if b_value is _ABSENT else b_value,
        "op": op,
    }
    if op == "changed" and _is_number(a_value) and _is_number(b_value):
        delta = b_value - a_value
        change["delta"] = round(delta, 9) if isinstance(delta, float) else delta
    return change


def _same(a, b) -> bool:
    # 1 and 1.0 are the same number, but True is not 1: compare as canonical JSON where types matter.
    if _is_number(a) and _is_number(b):
        return a == b
    return hashing.canonical_json(a) == hashing.canonical_json(b)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _decision_view(artifact: RunArtifact) -> dict:
    """``{path: leaf value}`` of everything the diff compares, in display order."""
    view = {name: getattr(artifact, name) for name in _DIFF_TOP}
    request = artifact.request if isinstance(artifact.request, dict) else {}
    for key in ("design", "cut"):
        if key in request:
            _flatten(request[key], f"request.{key}", view)
    if artifact.feasibility is not None:
        feasibility = {k: v for k, v in artifact.feasibility.items() if k not in _FEASIBILITY_IDENTITY}
        _flatten(feasibility, "feasibility", view)
    if artifact.registry_snapshot is not None:
        _flatten(artifact.registry_snapshot, "registry_snapshot", view)
    if artifact.toolpaths is not None:
        _flatten(artifact.toolpaths, "outputs.toolpaths", view)
    view["errors"] = [error.get("code") if isinstance(error, dict) else error for error in artifact.errors]
    for name in _DIFF_HASHES:
        view[f"hashes.{name}"] = getattr(artifact, name)
    return view


def _flatten(value, path: str, into: dict) -> None:
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(value[key], f"{path}.{key}", into)
    elif _is_keyed_list(value):
        # Checks and similar lists are matched by their code, so one changed check reads as one change.
        for item in value:
            _flatten({k: v for k, v in item.items() if k != "code"}, f"{path}[{item['code']}]", into)
    else:
        into[path] = value


def _is_keyed_list(value) -> bool:
    if not isinstance(value, list) or not value:
        return False
    if not all(isinstance(item, dict) and isinstance(item.get("code"), str) for item in value):
        return False
    return len({item["code"] for item in value}) == len(value)


def drawing_get(sha256: str) -> tuple[str, str] | None:
    """(format, text) of a drawing received with a job, or None."""
    return DrawingFile.objects.filter(sha256=sha256).values_list("format", "text").first()
