"""``Idempotency-Key`` for the endpoints that write an artifact: a retried request is answered, not re-run.

A client that lost an answer (timeout, dropped connection, 503) sends the same request again with the same
key. The first answer is stored in the same transaction as the artifact it reports, so either both exist or
neither does, and a retry either replays that answer (``Idempotent-Replayed: true``, same status, same body,
no second artifact) or, when nothing was committed, runs the request for the first time.

Rules (``docs/api.md``):

- Scope: (user, endpoint, key). Another user's key, or the same key on another endpoint, is unrelated.
- Keys are 1-255 printable ASCII characters; anything else is 400 ``INVALID_IDEMPOTENCY_KEY``.
- The same key with a different body (compared after canonicalising JSON: key order and whitespace do not
  count) is 422 ``IDEMPOTENCY_KEY_REUSED``.
- Every answer below 500 is stored, refusals included (400 for a malformed body, 409 ``SAFETY_BLOCKED``):
  the artifact they name exists, and running the request again would only write a second refusal.
- A 5xx is not stored, so that a retry can succeed once the engine or the database is back; the ``ERROR``
  artifact a 500 names is kept. A database error (503) rolls back everything the request wrote.
- A 401 or 403 is never stored: authentication runs before this layer, and a role refusal (which the
  services check, inside it) answers who asked rather than what was sent, so a role granted later counts.
- Concurrent duplicates queue: the first inserts the key row (``ON CONFLICT DO NOTHING`` on the unique
  constraint) and holds it until it commits; the second's insert waits for that commit, then it reads and
  replays the stored answer under ``SELECT ... FOR UPDATE``.

The key row is locked before anything else the request locks (session rows, then the ledger lock), so the
lock order stays the one ``runs.services.run_record`` asks for and two requests cannot deadlock over it.
"""

import functools
import hashlib
import json

from django.db import DatabaseError, transaction
from django.http.request import RawPostDataException
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from rmos_site.core.models import IdempotencyRecord
from rmos_site.core.problems import ProblemError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255

# For the views' extend_schema. HTTP strips spaces around a header value, so the schema allows them only inside.
KEY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH, "pattern": "^[!-~]([ -~]*[!-~])?$"},
    OpenApiParameter.HEADER,
    description="Optional. Retry with the same key and body to get the first answer instead of a second run "
    "(docs/api.md). 1-255 printable ASCII characters, e.g. a UUID.",
)


def idempotent(endpoint: str):
    """Decorate an ``APIView`` handler (``post``) so that it honours ``Idempotency-Key``.

    Without the header the handler runs as before. With it, the handler runs inside one transaction with the
    key row; its exceptions are turned into responses there (``view.handle_exception``), so that an artifact
    a refusal names is committed together with the stored refusal. Side effects: one ``IdempotencyRecord``
    per new (user, endpoint, key) answered below 500, except 403.
    """

    def decorator(handler):
        @functools.wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                return handler(view, request, *args, **kwargs)
            check_key(key)
            try:
                # The raw body, not request.data: parsing here would swallow the ParseError the handler records.
                digest = request_sha256(request.body)
            except RawPostDataException:
                # A form body already consumed by the CSRF check: not JSON, so the handler refuses it (415).
                return handler(view, request, *args, **kwargs)
            with transaction.atomic():
                record = _claim(user=request.user, endpoint=endpoint, key=key, digest=digest)
                if record.status_code is not None:
                    if record.request_sha256 != digest:
                        raise key_reused()
                    return replay(record)
                try:
                    response = handler(view, request, *args, **kwargs)
                except DatabaseError:
                    raise  # the transaction is lost; the handler answers 503/500 and nothing is kept
                except Exception as exc:
                    response = view.handle_exception(exc)
                # A 403 answers who asked, not what was sent (the services check the role): a role granted
                # later must take effect on a retry, so it is never replayed.
                if response.status_code >= 500 or response.status_code == 403 or not isinstance(response, Response):
                    record.delete()
                else:
                    _store(record, response)
            return response

        return wrapper

    return decorator


def check_key(key: str) -> None:
    if not 1 <= len(key) <= KEY_MAX_LENGTH or not all(" " <= char <= "~" for char in key):
        raise ProblemError(
            status=400,
            error="INVALID_IDEMPOTENCY_KEY",
            title="Invalid Idempotency-Key",
            detail=f"{HEADER} must be 1-{KEY_MAX_LENGTH} printable ASCII characters; a UUID is a good choice.",
        )


def key_reused() -> ProblemError:
    return ProblemError(
        status=422,
        error="IDEMPOTENCY_KEY_REUSED",
        title="Idempotency-Key reused",
        detail=f"This {HEADER} was already used with a different request body; use a new key for a new request.",
    )


def request_sha256(body: bytes) -> str:
    """SHA-256 of the body as JSON in canonical form (sorted keys, no whitespace), or of the raw bytes when
    it is not JSON, so that a client re-serialising the same request still matches."""
    try:
        value = json.loads(body)
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        data = b"json:" + canonical.encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        data = b"raw:" + body
    return hashlib.sha256(data).hexdigest()


def _claim(*, user, endpoint: str, key: str, digest: str) -> IdempotencyRecord:
    # ON CONFLICT DO NOTHING waits for a concurrent uncommitted insert of the same key and then does nothing
    # (it committed) or inserts (it rolled back or removed its row), so exactly one request runs.
    IdempotencyRecord.objects.bulk_create(
        [IdempotencyRecord(user=user, endpoint=endpoint, key=key, request_sha256=digest)], ignore_conflicts=True
    )
    return IdempotencyRecord.objects.select_for_update().get(user=user, endpoint=endpoint, key=key)


def _store(record: IdempotencyRecord, response: Response) -> None:
    body = JSONRenderer().render(response.data).decode("utf-8")
    record.status_code = response.status_code
    record.content_type = response.content_type or ""
    record.response_body = body
    record.run_id = str(response.data.get("run_id") or "")[:36] if isinstance(response.data, dict) else ""
    record.save(update_fields=["status_code", "content_type", "response_body", "run_id"])


def replay(record: IdempotencyRecord) -> Response:
    # json.loads keeps the stored key order, so the renderer writes the bytes the first answer had.
    response = Response(
        json.loads(record.response_body) if record.response_body else None,
        status=record.status_code,
        content_type=record.content_type or None,
    )
    response[REPLAYED_HEADER] = "true"
    return response
