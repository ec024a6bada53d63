"""Query validation for the runs API, and the response shapes it documents in the OpenAPI schema."""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from runs import hashing
from runs.enums import RISK_LEVEL_CHOICES, RunKind, RunStatus
from runs.selectors import LIST_FILTERS


def query_input(query_params, serializer_class: type[serializers.Serializer]) -> dict:
    """The serializer's input from a QueryDict: repeatable filters as lists (empty values dropped, so a
    form's blank select means "any"), other parameters given at most once. Unknown parameters are errors: a
    misspelt filter must not silently widen a governance query."""
    fields = serializer_class().fields
    errors, data = {}, {}
    for name in query_params:
        if name not in fields:
            errors[name] = ["Unknown query parameter."]
    for name, field in fields.items():
        values = [value for value in query_params.getlist(name) if value != ""]
        if not values:
            continue
        if isinstance(field, serializers.ListField):
            data[name] = values
        elif len(values) > 1:
            errors[name] = ["Give this parameter once."]
        else:
            data[name] = values[0]
    if errors:
        raise serializers.ValidationError(errors)
    return data


def _ids(max_length: int, help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length), required=False, help_text=help_text
    )


def _bounded_day(value: date) -> date:
    # A day is turned into the range [day, day + 1): the calendar's last day has no "next day" to end it.
    if value >= date.max:
        raise serializers.ValidationError(f"Give a day before {date.max.isoformat()}.")
    return value


class RunListQuerySerializer(serializers.Serializer):
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=RunStatus.choices), required=False, help_text="Repeat for OR."
    )
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=RunKind.choices), required=False, help_text="Repeat for OR."
    )
    mode = _ids(32, "Tool kind (saw, router, ...). Repeat for OR.")
    risk_level = serializers.ListField(
        child=serializers.ChoiceField(choices=RISK_LEVEL_CHOICES), required=False, help_text="Repeat for OR."
    )
    tool_id = _ids(100, "Exact tool id. Repeat for OR.")
    tool_id_prefix = _ids(100, "Tool ids starting with this. Repeat for OR.")
    material_id = _ids(100, "Repeat for OR.")
    machine_id = _ids(100, "Repeat for OR.")
    session_id = _ids(64, "Repeat for OR.")
    date_from = serializers.DateField(required=False, input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD, UTC.")
    date_to = serializers.DateField(required=False, input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD, UTC, inclusive.")
    limit = serializers.IntegerField(required=False, help_text="Page size, clamped to 1-200; default 50.")
    cursor = serializers.CharField(required=False, help_text="next_cursor of the previous page.")

    def validate_date_from(self, value):
        return _bounded_day(value)

    def validate_date_to(self, value):
        return _bounded_day(value)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["date_to is before date_from."]})
        return attrs

    def filters(self) -> dict:
        return {name: self.validated_data[name] for name in (*LIST_FILTERS, "date_from", "date_to")
                if name in self.validated_data}  # fmt: skip


class RunDiffQuerySerializer(serializers.Serializer):
    all = serializers.BooleanField(required=False, default=False, help_text="1 to list unchanged fields too.")


@extend_schema_field(OpenApiTypes.DATETIME)
class UtcTimestampField(serializers.Field):
    """UTC ISO-8601 with six fraction digits and ``Z``, the same text the hashes and the detail use."""

    def to_representation(self, value):
        return hashing.iso_utc(value)


class RunListItemSerializer(serializers.Serializer):
    run_id = serializers.CharField()
    created_at = UtcTimestampField()
    kind = serializers.CharField()
    status = serializers.CharField()
    mode = serializers.CharField()
    tool_id = serializers.CharField()
    material_id = serializers.CharField()
    machine_id = serializers.CharField()
    session_id = serializers.CharField()
    risk_level = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    feasibility_sha256 = serializers.CharField()
    toolpaths_sha256 = serializers.CharField()


class RunListSerializer(serializers.Serializer):
    items = RunListItemSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class RunHashesSerializer(serializers.Serializer):
    request_sha256 = serializers.CharField()
    feasibility_sha256 = serializers.CharField()
    toolpaths_sha256 = serializers.CharField()
    gcode_sha256 = serializers.CharField()
    content_sha256 = serializers.CharField()
    prev_sha256 = serializers.CharField()
    chain_sha256 = serializers.CharField()


class RunOutputsSerializer(serializers.Serializer):
    gcode_text = serializers.CharField(allow_null=True)
    toolpaths = serializers.JSONField(allow_null=True)


class RunDocumentSerializer(serializers.Serializer):
    """Documents ``runs.selectors.run_document``; the views return that dict as is."""

    run_id = serializers.CharField()
    seq = serializers.IntegerField()
    created_at = UtcTimestampField()
    kind = serializers.CharField()
    status = serializers.CharField()
    mode = serializers.CharField()
    tool_id = serializers.CharField()
    material_id = serializers.CharField()
    machine_id = serializers.CharField()
    session_id = serializers.CharField()
    actor = serializers.CharField()
    risk_level = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    request = serializers.JSONField()
    discarded_client_fields = serializers.ListField(child=serializers.CharField())
    feasibility = serializers.JSONField(allow_null=True)
    registry_snapshot = serializers.JSONField(allow_null=True)
    outputs = RunOutputsSerializer()
    errors = serializers.ListField(child=serializers.JSONField())
    engine_version = serializers.CharField()
    request_sha256 = serializers.CharField()
    feasibility_sha256 = serializers.CharField()
    toolpaths_sha256 = serializers.CharField()
    gcode_sha256 = serializers.CharField()
    content_sha256 = serializers.CharField()
    hashes = RunHashesSerializer()


class RunDiffSummarySerializer(serializers.Serializer):
    a_status = serializers.CharField()
    b_status = serializers.CharField()
    a_kind = serializers.CharField()
    b_kind = serializers.CharField()
    total_changes = serializers.IntegerField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField(required=False, help_text="Only with ?all=1.")


class RunDiffChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    path = serializers.CharField()
    a = serializers.JSONField(allow_null=True)
    b = serializers.JSONField(allow_null=True)
    op = serializers.ChoiceField(choices=["added", "removed", "changed", "unchanged"])
    delta = serializers.FloatField(required=False, help_text="b - a, for numeric changes.")


class RunHashPairSerializer(serializers.Serializer):
    a = serializers.CharField()
    b = serializers.CharField()
    equal = serializers.BooleanField()


class RunDiffSerializer(serializers.Serializer):
    a_id = serializers.CharField()
    b_id = serializers.CharField()
    summary = RunDiffSummarySerializer()
    changed_fields = RunDiffChangeSerializer(many=True)
    hashes = serializers.DictField(child=RunHashPairSerializer())


class RunProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    error = serializers.CharField(help_text="Stable code, e.g. INVALID_RUN_ID, RUN_NOT_FOUND, INVALID_CURSOR.")
