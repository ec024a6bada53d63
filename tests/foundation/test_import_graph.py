"""The import rules of docs/architecture.md, checked on the source itself (Python's ``ast``, every import
statement, those inside functions too, so a lazy import cannot hide an arrow).

- Nothing imports views: no module imports a ``views`` or ``pages`` module of another part.
- No two parts import each other (feasibility, runs, toolpaths, workflow, the site ``rmos_site`` and its ground
  ``rmos_site.core`` are the parts).
- The ground ``rmos_site.core`` imports no app and nothing of the site above it (pages, urls, views, settings).
- No view, page or admin module imports the ledger's write functions: refusals and results are written by the
  services.
- A module over 600 lines says at its top why it is that long.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("feasibility", "runs", "toolpaths", "workflow")
GROUND = "rmos_site.core"
SITE = "rmos_site"
# The ledger's write functions, by the module that defines them. Views, pages and the admin call services.
LEDGER_WRITES = {
    "runs.services": None,  # every name: run_record, run_prepare, run_record_many
    "runs.refusals": {"refusal_record", "refuse", "engine_failure_record"},
    "feasibility.services": {"record_evaluation", "record_engine_failure"},
}
LONG_MODULE_LINES = 600
# The words a long module's top lines must carry, followed by the reason.
LONG_MODULE_MARK = "long module:"
# Long modules excused here rather than by a line of their own, each with the reason.
LONG_MODULE_ALLOWED: dict[str, str] = {}


def _source_files() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0].startswith(".") or "node_modules" in relative.parts:
            continue
        files.append(path)
    return files


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


SUBMODULE = frozenset({"<submodule>"})


def _imports(path: Path) -> list[tuple[str, set[str] | None, int]]:
    """(module imported, names taken from it or None for the module itself, line) for every import; a name
    of a ``from`` import is also given as a possible submodule, marked ``SUBMODULE``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = {alias.name for alias in node.names}
            found.append((base, names, node.lineno))
            # ``from runs import services`` imports the module runs.services (kept only if it is a module).
            found += [(f"{base}.{name}", SUBMODULE, node.lineno) for name in names]
    return found


def _part(module: str) -> str | None:
    """The part of the project a module belongs to, or None for a library (or the tests, bench, manage)."""
    if module == GROUND or module.startswith(GROUND + "."):
        return GROUND
    top = module.split(".")[0]
    if top in APPS or top == SITE:
        return top
    return None


def _is_view(module: str) -> bool:
    return bool({"views", "pages"} & set(module.split(".")))


def _is_view_page_or_admin(module: str) -> bool:
    return _is_view(module) or module.split(".")[-1] == "admin"


def _project_modules() -> set[str]:
    return {_module_name(path) for path in _source_files()}


PROJECT = _project_modules()


def _resolved(imported: str) -> str | None:
    """The project module an import names (``from workflow import services`` names workflow.services; a name
    that is not a module resolves to the module it comes from), or None for a library."""
    while imported and imported not in PROJECT:
        imported = imported.rpartition(".")[0]
    return imported or None


def _graph() -> list[tuple[str, str, set[str] | None, str]]:
    """(importer, imported project module, names, where) for every import of a project module by the code
    under the parts (tests, bench and manage.py are users of the code, not parts of it)."""
    edges = []
    for path in _source_files():
        importer = _module_name(path)
        if _part(importer) is None:
            continue
        for imported, names, line in _imports(path):
            if names is SUBMODULE:
                if imported not in PROJECT:
                    continue  # a function or class: its module's edge has it already
                names = None
            target = _resolved(imported)
            if target is not None and target != importer:
                edges.append((importer, target, names, f"{path.relative_to(ROOT)}:{line}"))
    return edges


GRAPH = _graph()


def test_the_graph_sees_the_project():
    # Guards the guards: an empty graph would pass every rule below.
    parts = {_part(importer) for importer, *_ in GRAPH}
    assert parts >= {*APPS, SITE, GROUND}
    assert any(target == "runs.services" for _, target, _, _ in GRAPH)


def views_imported_across(graph) -> list[str]:
    return [
        f"{where}: {importer} imports {target}"
        for importer, target, _, where in graph
        if _is_view(target) and _part(importer) != _part(target)
    ]


def parts_importing_each_other(graph) -> list[str]:
    arrows = defaultdict(list)
    for importer, target, _, where in graph:
        source, destination = _part(importer), _part(target)
        if destination is not None and source != destination:
            arrows[(source, destination)].append(where)
    return [
        f"{a} <-> {b}: {arrows[(a, b)][0]} and {arrows[(b, a)][0]}"
        for a, b in sorted(arrows)
        if a < b and (b, a) in arrows
    ]


def ground_importing_above(graph) -> list[str]:
    return [
        f"{where}: {importer} imports {target}"
        for importer, target, _, where in graph
        if _part(importer) == GROUND and _part(target) not in (GROUND, None)
    ]


def ledger_writes_in_views(graph) -> list[str]:
    wrong = []
    for importer, target, names, where in graph:
        if not _is_view_page_or_admin(importer) or target not in LEDGER_WRITES:
            continue
        writes = LEDGER_WRITES[target]
        if writes is None or names is None or names & writes:
            wrong.append(f"{where}: {importer} imports {target} {sorted(names or [])}")
    return wrong


RULES = {
    "views": views_imported_across,
    "parts": parts_importing_each_other,
    "ground": ground_importing_above,
    "ledger": ledger_writes_in_views,
}
# One made-up import per rule that the rule must refuse, so that a rule which can never fail is noticed.
OFFENDERS = {
    "views": ("runs.selectors", "workflow.views", None),
    "parts": ("runs.models", "workflow.models", None),  # workflow imports runs already
    "ground": ("rmos_site.core.roles", "rmos_site.pages.common", {"problem_page"}),
    "ledger": ("rmos_site.pages.runs", "runs.refusals", {"Received", "refusal_record"}),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_import_rule_holds(rule):
    assert RULES[rule](GRAPH) == []


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_import_rule_refuses_an_offender(rule):
    importer, target, names = OFFENDERS[rule]
    assert RULES[rule]([*GRAPH, (importer, target, names, "made-up:1")]) != []


def test_long_modules_say_why_at_their_top():
    unexplained = []
    for path in _source_files():
        relative = path.relative_to(ROOT).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) <= LONG_MODULE_LINES or relative in LONG_MODULE_ALLOWED:
            continue
        if not any(LONG_MODULE_MARK in line.lower() for line in lines[:15]):
            unexplained.append(f"{relative} ({len(lines)} lines)")
    assert unexplained == [], f"say why in the first lines, after {LONG_MODULE_MARK!r}"


def test_the_long_module_allow_list_names_files_that_exist_and_gives_reasons():
    for relative, reason in LONG_MODULE_ALLOWED.items():
        assert reason.strip()
        assert (ROOT / relative).exists(), relative
