"""The committed pictures of the state machine are what the declared transitions draw."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from workflow.enums import SessionState
from workflow.graph import edges, render_dot, render_svg

DOCS = Path(settings.BASE_DIR) / "docs"


def test_committed_dot_matches_the_declared_transitions():
    assert (DOCS / "workflow-states.dot").read_text(encoding="utf-8") == render_dot(), (
        "docs/workflow-states.dot is stale: run `python manage.py workflow_graph`"
    )


def test_committed_svg_matches_the_declared_transitions():
    assert (DOCS / "workflow-states.svg").read_text(encoding="utf-8") == render_svg(), (
        "docs/workflow-states.svg is stale: run `python manage.py workflow_graph`"
    )


def test_rendering_is_deterministic():
    assert render_svg() == render_svg()
    assert render_dot() == render_dot()


def test_graph_has_the_contract_transitions():
    pairs = {(edge.source, edge.target): edge.actions for edge in edges()}
    assert pairs[("feasibility_ready", "approved")] == ("approve",)
    assert pairs[("approved", "toolpaths_requested")] == ("toolpaths",)
    assert pairs[("toolpaths_requested", "design_revision_required")] == ("toolpaths_blocked",)
    assert pairs[("design_revision_required", "context_ready")] == ("design", "context")
    # archive from every state but the transient *_requested ones and archived itself
    archive_sources = {source for (source, target), actions in pairs.items() if "archive" in actions}
    assert archive_sources == {
        "draft", "context_ready", "feasibility_ready", "approved", "rejected", "design_revision_required",
        "toolpaths_ready",
    }  # fmt: skip
    # every state but archived has a way out
    sources = {source for source, target in pairs if source != target}
    assert sources == set(SessionState.values) - SessionState.FINAL


def test_check_mode_passes_on_committed_files():
    call_command("workflow_graph", "--check")
