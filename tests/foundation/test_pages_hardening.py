"""Smaller protections: no caching of a logged-in user's pages, login throttling, and refused reads kept out of
the ledger."""

import logging

import pytest
from django.test import Client, RequestFactory

from rmos_site.core.clientip import client_ip
from runs.models import RunArtifact
from workflow import services as workflow_services


@pytest.mark.parametrize("path", ["/", "/runs", "/sessions", "/admin/", "/no-such-page"])
def test_authenticated_html_is_private_and_not_stored(auditor, path):
    client = Client()
    client.force_login(auditor)
    response = client.get(path)
    assert response["Content-Type"].startswith("text/html")
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_api_answers_keep_their_own_caching(db, auditor_client):
    # JSON is not a page: the API sets its caching itself (the download's ETag and no-cache, see docs/ledger.md).
    assert "no-store" not in auditor_client.get("/api/rmos/runs").get("Cache-Control", "")


def _login(client, password: str):
    return client.post("/accounts/login/", {"username": "op", "password": password})


def test_login_locks_out_after_the_failure_limit_even_with_the_right_password(settings, operator):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "wrong")
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    response = _login(client, "wrong")
    assert response.status_code == 429
    # Locked: the right password is refused too, with the lockout message on the login page.
    response = _login(client, "pw-op")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert 'name="password"' in page
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked (the lock is per username and address).
    assert Client().post("/accounts/login/", {"username": "appr", "password": "pw-appr"}).status_code in (200, 302)


def test_a_forwarded_for_header_does_not_move_the_lock_without_a_trusted_proxy(settings, operator):
    # Anybody can send X-Forwarded-For: with no proxy configured, a new one on each try changes nothing.
    assert settings.RMOS_TRUSTED_PROXY_COUNT == 0
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/", {"username": "op", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}"
        )
    response = client.post(
        "/accounts/login/", {"username": "op", "password": "pw-op"}, HTTP_X_FORWARDED_FOR="198.51.100.99"
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_lock_is_per_client_address(settings, operator):
    settings.RMOS_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches RMOS from the proxy

    def login(forwarded: str, password: str):
        data = {"username": "op", "password": password}
        return Client().post("/accounts/login/", data, HTTP_X_FORWARDED_FOR=forwarded, **proxy)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        login("203.0.113.5", "wrong")
    assert login("203.0.113.5", "pw-op").status_code == 429
    # The client cannot escape by writing another address to the left of the one the proxy appended.
    assert login("192.0.2.77, 203.0.113.5", "pw-op").status_code == 429
    # The same user from another client behind the same proxy is not locked out by the attacker.
    assert login("203.0.113.9", "pw-op").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "203.0.113.5"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.5"}, "203.0.113.5"),
        (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.5, 10.0.0.1"}, "203.0.113.5"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": " 2001:DB8::1 "}, "2001:db8::1"),
        (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "10.0.0.2"),  # bypassed a proxy
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5, "}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
    ],
)
def test_the_client_address_is_read_from_the_trusted_proxies_entries_only(settings, proxies, meta, expected):
    settings.RMOS_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    assert client_ip(request) == expected


def test_login_works_again_after_the_cooloff(settings, operator):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong")
    assert _login(client, "pw-op").status_code == 429
    # The cool-off is measured from the last failure: move that back past it.
    attempt = AccessAttempt.objects.get(username="op")
    attempt.attempt_time -= settings.AXES_COOLOFF_TIME
    attempt.save()
    response = _login(client, "pw-op")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_few_wrong_passwords_then_the_right_one_logs_in(settings, operator):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")
    assert _login(client, "pw-op").status_code == 302


@pytest.mark.parametrize("path", ["/api/rmos/feasibility", "/api/rmos/toolpaths"])
def test_refused_reads_are_logged_not_written_to_the_ledger(outsider_client, approver_client, caplog, path):
    with caplog.at_level(logging.WARNING, logger="rmos.refusals"):
        for client in (outsider_client, approver_client):
            for _ in range(3):
                response = client.get(path)
                assert response.status_code == 403
    assert not RunArtifact.objects.exists()
    lines = [record.getMessage() for record in caplog.records if record.name == "rmos.refusals"]
    assert len(lines) == 6
    assert f"user=outsider method=GET path={path}" in lines[0]


def test_refused_reads_of_workflow_actions_are_not_written_either(operator, outsider_client, caplog):
    session = workflow_services.session_create(actor=operator).session
    with caplog.at_level(logging.WARNING, logger="rmos.refusals"):
        for action in ("approve", "feasibility", "toolpaths"):
            response = outsider_client.get(f"/api/rmos/workflow/sessions/{session.pk}/{action}")
            assert response.status_code == 403
    assert not RunArtifact.objects.exists()
    assert len([record for record in caplog.records if record.name == "rmos.refusals"]) == 3


def test_refused_writes_are_still_recorded(outsider_client, caplog):
    response = outsider_client.post("/api/rmos/feasibility", {}, format="json")
    assert response.status_code == 403
    artifact = RunArtifact.objects.get()
    assert artifact.status == "BLOCKED"
    assert artifact.actor == "outsider"
