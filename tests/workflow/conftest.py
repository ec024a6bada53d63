"""Workflow fixtures: the fake engine, the default design and context, and sessions driven to a state through
the services (never by writing the state: it is protected)."""

import pytest

from rmos_site.core.enums import Role
from rmos_site.core.roles import grant_role
from tests.workflow.fake_engine import ENGINE_PATH
from workflow import services

RING = {"shape": "ring", "od": 100, "width": 4, "depth": 1.5}
CONTEXT = {"tool_id": "router:downcut_1_8in", "material_id": "ebony", "machine_id": "router_a"}


@pytest.fixture
def fake_engine(settings):
    settings.RMOS_FEASIBILITY_ENGINE = ENGINE_PATH
    return ENGINE_PATH


@pytest.fixture
def operator_approver(operator):
    """A user holding both roles: the only way an approver can be the creator of a session."""
    grant_role(operator, Role.APPROVER)
    return operator


def drive(state: str, *, creator, approver=None, material: str = "ebony"):
    """A session created by ``creator`` and taken to ``state`` through the services."""
    context = {**CONTEXT, "material_id": material}
    session = services.session_create(actor=creator).session
    if state == "draft":
        return session
    services.session_set_design(session=session, actor=creator, design=RING)
    services.session_set_context(session=session, actor=creator, context=context)
    if state == "context_ready":
        return _fresh(session)
    services.session_request_feasibility(session=session, actor=creator)
    if state == "feasibility_ready":
        return _fresh(session)
    if state == "rejected":
        services.session_reject(session=session, actor=approver, reason="not this one")
        return _fresh(session)
    if state == "design_revision_required":
        services.session_revise(session=session, actor=approver, reason="thinner ring")
        return _fresh(session)
    services.session_approve(session=session, actor=approver, note="ok")
    if state == "approved":
        return _fresh(session)
    services.session_generate_toolpaths(session=session, actor=creator)
    if state == "toolpaths_ready":
        return _fresh(session)
    services.session_archive(session=session, actor=creator)
    assert state == "archived", state
    return _fresh(session)


def _fresh(session):
    session.refresh_from_db()
    return session
