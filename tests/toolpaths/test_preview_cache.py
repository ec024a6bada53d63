"""``GET runs/{run_id}/preview.svg`` is cheap the second time: the browser keeps it (immutable, ETag, 304) and
the server keeps the drawing (the ``previews`` cache), since an artifact never changes."""

import time

import pytest
from django.core.cache import caches

from runs.models import RunArtifact
from tests.conftest import client_for
from tests.feasibility.test_policy_checks import BIG_POCKET
from toolpaths.views import PREVIEW_CACHE, preview_cache_key

TOOLPATHS = "/api/rmos/toolpaths"


def url(run_id: str) -> str:
    return f"/api/rmos/runs/{run_id}/preview.svg"


@pytest.fixture
def previews():
    cache = caches[PREVIEW_CACHE]
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def big_run(operator_client):
    """A large real program: the 780 x 580 pocket at 0.5 mm a pass (some 6,000 moves)."""
    response = operator_client.post(TOOLPATHS, {**BIG_POCKET, "cut": {"stepdown_mm": 0.5}}, format="json")
    assert response.status_code == 200, response.json()
    return RunArtifact.objects.get(run_id=response.json()["run_id"])


def test_the_drawing_is_immutable_for_the_browser(operator_client, big_run, previews):
    response = operator_client.get(url(big_run.run_id))
    assert response.status_code == 200
    assert response["ETag"] == f'"{big_run.gcode_sha256}"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    again = operator_client.get(url(big_run.run_id), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["Cache-Control"] == "private, max-age=31536000, immutable"
    # Another ETag (another run's) is not a match: the drawing is sent.
    assert operator_client.get(url(big_run.run_id), HTTP_IF_NONE_MATCH='"' + "0" * 64 + '"').status_code == 200


def test_a_second_request_is_served_from_the_server_cache_without_drawing_again(
    operator_client, auditor, big_run, previews
):
    key = preview_cache_key(big_run)
    assert previews.get(key) is None
    started = time.perf_counter()
    first = operator_client.get(url(big_run.run_id))
    drawn_in = time.perf_counter() - started
    assert first.status_code == 200
    assert previews.get(key) == first.content.decode()
    # Prove the second answer is the cached drawing, not a new one: replace what the cache holds and see it come
    # back (to another user too: the drawing is the artifact's, not the user's).
    marked = first.content.decode().replace("<svg", "<svg data-from-cache='yes'", 1)
    previews.set(key, marked, timeout=None)
    started = time.perf_counter()
    second = client_for(auditor).get(url(big_run.run_id))
    served_in = time.perf_counter() - started
    assert second.status_code == 200
    assert second.content.decode() == marked
    assert served_in < drawn_in
