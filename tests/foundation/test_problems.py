"""The problem handler, exercised through a throwaway DRF view mounted for these tests only."""

import pytest
from django.urls import include, path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rmos_site.core.problems import ProblemError
from rmos_site.urls import urlpatterns as site_urlpatterns


class _Body(serializers.Serializer):
    name = serializers.CharField(max_length=10)
    count = serializers.IntegerField()


class _EchoView(APIView):
    def post(self, request):
        data = _Body(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(data.validated_data)


class _BlockedView(APIView):
    def get(self, request):
        raise ProblemError(status=409, error="SAFETY_BLOCKED", title="Blocked", detail="no", run_id="run_x")


class _CrashView(APIView):
    def get(self, request):
        raise RuntimeError("boom")


urlpatterns = [
    path("api/test/echo", _EchoView.as_view()),
    path("api/test/blocked", _BlockedView.as_view()),
    path("api/test/crash", _CrashView.as_view()),
    path("", include(site_urlpatterns)),
]

pytestmark = pytest.mark.urls(__name__)


def test_malformed_json_is_400_problem(operator_client):
    response = operator_client.generic("POST", "/api/test/echo", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "MALFORMED_REQUEST"


def test_wrong_type_is_400_validation_problem(operator_client):
    response = operator_client.post("/api/test/echo", {"name": "a", "count": "many"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "VALIDATION_ERROR"
    assert body["detail"].startswith("count:")
    assert "count" in body["errors"]


def test_json_array_body_is_400(operator_client):
    response = operator_client.post("/api/test/echo", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "VALIDATION_ERROR"


def test_form_encoded_body_is_415(operator_client):
    response = operator_client.post("/api/test/echo", {"name": "a", "count": 1})
    assert response.status_code == 415
    assert response.json()["error"] == "UNSUPPORTED_MEDIA_TYPE"


def test_oversized_body_is_413(operator_client, settings):
    settings.RMOS_MAX_BODY_BYTES = settings.RMOS_MAX_DRAWING_BODY_BYTES = 2048
    response = operator_client.post("/api/test/echo", {"name": "a" * 5000, "count": 1}, format="json")
    assert response.status_code == 413
    assert response.json()["error"] == "PAYLOAD_TOO_LARGE"


def test_problem_error_carries_extra_members(operator_client):
    response = operator_client.get("/api/test/blocked")
    assert response.status_code == 409
    body = response.json()
    assert body == {
        "type": "https://rmos.example/problems/safety-blocked",
        "title": "Blocked",
        "status": 409,
        "detail": "no",
        "error": "SAFETY_BLOCKED",
        "run_id": "run_x",
    }


def test_unexpected_exception_is_500_problem_and_logged(operator_client, caplog):
    response = operator_client.get("/api/test/crash")
    assert response.status_code == 500
    assert response.json()["error"] == "INTERNAL_ERROR"
    assert "boom" not in response.content.decode()
    assert any("unhandled error" in record.message for record in caplog.records)
