from rest_framework import serializers

from feasibility.models import Machine, Material, Tool
from feasibility.selectors import MACHINE_KEYS, MATERIAL_KEYS, TOOL_KEYS


class ToolSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tool
        fields = TOOL_KEYS


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = MATERIAL_KEYS


class MachineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Machine
        fields = MACHINE_KEYS


REGISTRY_SERIALIZERS = {"tools": ToolSerializer, "materials": MaterialSerializer, "machines": MachineSerializer}


# --- Feasibility / toolpaths request bodies -------------------------------------------------------------
# Client-sent verdicts are not an error (the seed's clients send them): they are accepted, discarded and
# recorded as discarded. `mode` is discarded the same way: it comes from the tool's kind, never the client.
DISCARDED_CLIENT_KEYS = frozenset({"feasibility", "safety", "risk_level", "score", "decision", "mode"})


class StrictSerializer(serializers.Serializer):
    """Unknown keys are a 400, not silently ignored: a typo like `rmp` must not fall back to a default."""

    allowed_extra_keys: frozenset[str] = frozenset()

    def to_internal_value(self, data):
        # Checked here, not in validate(): nested serializers used as fields have no initial_data.
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields) - self.allowed_extra_keys)
            if unknown:
                raise serializers.ValidationError({str(key): ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


def _length(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=100_000, **kwargs)


def _coordinate(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=-100_000, max_value=100_000, required=False, **kwargs)


class _DesignBase(StrictSerializer):
    shape = serializers.CharField()
    x = _coordinate()
    y = _coordinate()
    stock_thickness = _length(required=False)


class RingDesign(_DesignBase):
    od = _length(required=False)
    width = _length(required=False)
    inner_d = _length(required=False)
    depth = _length(required=False)


class SlotDesign(_DesignBase):
    length = _length(required=False)
    depth = _length(required=False)
    angle = serializers.FloatField(min_value=-360, max_value=360, required=False)


class FretSlotsDesign(_DesignBase):
    scale_length = _length(required=False)
    frets = serializers.IntegerField(min_value=0, max_value=36, required=False)
    board_width = _length(required=False)
    depth = _length(required=False)


class PocketCircleDesign(_DesignBase):
    d = _length(required=False)
    depth = _length(required=False)


class PocketRectDesign(_DesignBase):
    w = _length(required=False)
    h = _length(required=False)
    depth = _length(required=False)


DESIGN_SERIALIZERS: dict[str, type[_DesignBase]] = {
    "ring": RingDesign,
    "slot": SlotDesign,
    "fret_slots": FretSlotsDesign,
    "pocket_circle": PocketCircleDesign,
    "pocket_rect": PocketRectDesign,
}


class DesignField(serializers.JSONField):
    """A design object, validated by the serializer of its `shape`; missing dimensions are left to the engine
    (which applies documented defaults or answers UNKNOWN)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Expected an object with a `shape`.")
        shape = data.get("shape")
        if shape not in DESIGN_SERIALIZERS:
            raise serializers.ValidationError(
                {"shape": [f"Unknown shape {shape!r}; expected one of {', '.join(DESIGN_SERIALIZERS)}."]}
            )
        inner = DESIGN_SERIALIZERS[shape](data=data)
        inner.is_valid(raise_exception=True)
        return dict(inner.validated_data)


class CutSerializer(StrictSerializer):
    rpm = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    feed_mm_min = _length(required=False)
    plunge_mm_min = _length(required=False)
    stepdown_mm = _length(required=False)
    stepover_mm = _length(required=False)


class JobRequestSerializer(StrictSerializer):
    """The body of POST feasibility and POST toolpaths."""

    allowed_extra_keys = DISCARDED_CLIENT_KEYS

    tool_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    material_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    machine_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    design = DesignField(required=False, allow_null=True, default=None)
    cut = CutSerializer(required=False, allow_null=True, default=None)
    session_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=["pass", "warn", "fail", "unknown"])
    message = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    limit = serializers.JSONField(allow_null=True)


class SafetySerializer(serializers.Serializer):
    risk_level = serializers.ChoiceField(choices=["GREEN", "YELLOW", "RED", "UNKNOWN"])
    score = serializers.FloatField()
    block_reason = serializers.CharField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())
    checks = CheckSerializer(many=True)


class FeasibilityResponseSerializer(serializers.Serializer):
    run_id = serializers.CharField()
    mode = serializers.CharField(allow_null=True)
    tool_id = serializers.CharField()
    material_id = serializers.CharField()
    machine_id = serializers.CharField()
    safety = SafetySerializer()
    design = serializers.JSONField(allow_null=True)
    cut = serializers.JSONField(allow_null=True, help_text="Resolved rpm, feed, chip load, stepdown, passes...")
    feasibility_sha256 = serializers.CharField()
    engine_version = serializers.CharField()
    discarded_client_fields = serializers.ListField(child=serializers.CharField())
