from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from feasibility.serializers import JobRequestSerializer
from feasibility.services import parse_job_request
from feasibility.views import RecordedJobView
from rmos_site.problems import problem_response
from runs.enums import RunKind
from toolpaths.serializers import ToolpathsResponseSerializer
from toolpaths.services import toolpaths_run


class ToolpathsView(RecordedJobView):
    run_kind = RunKind.TOOLPATHS

    @extend_schema(
        request=JobRequestSerializer,
        responses={
            200: ToolpathsResponseSerializer,
            409: OpenApiResponse(description="SAFETY_BLOCKED: the server's verdict does not allow toolpaths."),
            500: OpenApiResponse(description="TOOLPATHS_ERROR: generation or verification failed; see run_id."),
        },
        operation_id="toolpaths_create",
        tags=["toolpaths"],
    )
    def post(self, request):
        inputs, raw = parse_job_request(request, kind=self.run_kind)
        session_id = inputs.get("session_id") or ""
        if session_id:
            # With a session, the workflow's rules apply: approved state and the approved feasibility hash.
            from workflow.services import session_toolpaths_from_request

            outcome = session_toolpaths_from_request(
                actor=request.user, session_id=session_id, inputs=inputs, raw_request=raw
            )
        else:
            outcome = toolpaths_run(actor=request.user, inputs=inputs, raw_request=raw)
        if outcome.ok:
            return Response(outcome.body)
        return problem_response(outcome.body)
