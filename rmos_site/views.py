from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rmos_site.core.problems import DATABASE_UNAVAILABLE, problem_body, problem_response


class HealthView(APIView):
    """Liveness and database reachability, for load balancers and monitoring: anonymous on purpose."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Health",
            {
                "status": serializers.CharField(),
                "database": serializers.CharField(),
                "version": serializers.CharField(),
            },
        ),
        auth=[],
    )
    def get(self, request):
        from django.conf import settings

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            body = problem_body(**DATABASE_UNAVAILABLE)
            body.update({"status": 503, "database": "unreachable", "version": settings.RMOS_VERSION})
            return problem_response(body, headers={"Retry-After": "5"})
        return Response({"status": "ok", "database": "ok", "version": settings.RMOS_VERSION})
