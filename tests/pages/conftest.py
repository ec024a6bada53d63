"""Page personas (Django's test Client, logged in through the session as a browser is) and small helpers."""

import html
import re

import pytest
from django.test import Client

from rmos_site.core.enums import Role
from rmos_site.core.problems import ProblemError
from rmos_site.core.roles import grant_role
from runs.models import RunArtifact
from runs.refusals import Received
from tests.runs.factories import record
from tests.workflow.conftest import CONTEXT, RING, drive
from workflow.jobs import toolpaths_job

__all__ = ["CONTEXT", "RING", "drive", "job", "page_client", "record", "visible"]

JOB = {**CONTEXT, "design": RING}


def page_client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def operator_page(operator):
    return page_client(operator)


@pytest.fixture
def approver_page(approver):
    return page_client(approver)


@pytest.fixture
def approver2_page(approver2):
    return page_client(approver2)


@pytest.fixture
def auditor_page(auditor):
    return page_client(auditor)


@pytest.fixture
def outsider_page(outsider):
    return page_client(outsider)


@pytest.fixture
def operator_approver(operator):
    """A user holding both roles: the only way an approver can be a session's creator."""
    grant_role(operator, Role.APPROVER)
    return operator


@pytest.fixture
def anon_page(db):
    return Client()


def job(actor, **changes):
    """A toolpaths run through the service the pages and the API call; returns its artifact, whatever the
    outcome (a blocked or failed run is raised as the problem that names it)."""
    try:
        run_id = toolpaths_job(actor=actor, body=Received(data={**JOB, **changes}))["run_id"]
    except ProblemError as problem:
        run_id = problem.extra["run_id"]
    return RunArtifact.objects.get(run_id=run_id)


def visible(response) -> str:
    """The page's text without tags, whitespace collapsed: what a person reads."""
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
