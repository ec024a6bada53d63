import copy
import json

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from feasibility.enums import Controller
from feasibility.geometry import OUTLINE_DIRECTIONS, OUTLINE_OPERATIONS
from feasibility.models import Fixture, Machine, Material, Tool, registry_id_validator
from feasibility.selectors import FIXTURE_KEYS, MACHINE_KEYS, MATERIAL_KEYS, TOOL_KEYS


class ToolSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tool
        fields = TOOL_KEYS


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = MATERIAL_KEYS


class FixtureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fixture
        fields = FIXTURE_KEYS


class MachineSerializer(serializers.ModelSerializer):
    fixtures = FixtureSerializer(many=True, read_only=True, help_text="Work offsets, ordered by fixture_id.")

    class Meta:
        model = Machine
        fields = (*MACHINE_KEYS, "fixtures")


REGISTRY_SERIALIZERS = {"tools": ToolSerializer, "materials": MaterialSerializer, "machines": MachineSerializer}


# --- Feasibility / toolpaths request bodies -------------------------------------------------------------
# Client-sent verdicts are not an error (the seed's clients send them): they are accepted, discarded and
# recorded as discarded. `mode` is discarded the same way: it comes from the tool's kind, never the client.
DISCARDED_CLIENT_KEYS = frozenset({"feasibility", "safety", "risk_level", "score", "decision", "mode"})


def _is_unicode_text(data) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except (TypeError, ValueError):
        return True  # not JSON-shaped: the fields say what is wrong with it
    return True


class StrictSerializer(serializers.Serializer):
    """Unknown keys are a 400, not silently ignored: a typo like `rmp` must not fall back to a default."""

    allowed_extra_keys: frozenset[str] = frozenset()

    def get_fields(self):
        # DRF deep-copies every declared field for every instance, so that a view may alter one instance's
        # fields. Nothing alters these, and a body is validated on every job call: a shallow copy of each
        # field (bound to this instance, sharing the declared field's immutable settings) is enough. Nested
        # serializers keep the deep copy, since they hold fields of their own.
        return {
            name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)
            for name, field in self._declared_fields.items()
        }

    def to_internal_value(self, data):
        # JSON text may escape an unpaired surrogate ("\ud800"), which is no character at all: refused here,
        # before a field's error message could echo it into an answer that cannot be encoded as UTF-8.
        if self.parent is None and not _is_unicode_text(data):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["The body holds an unpaired surrogate; text must be Unicode."]}
            )
        # Checked here, not in validate(): nested serializers used as fields have no initial_data.
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields) - self.allowed_extra_keys)
            if unknown:
                raise serializers.ValidationError({str(key): ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class _JsonNumber:
    """JSON numbers only: DRF's numeric fields also take true/false and numeric strings, and a dimension sent
    as ``false`` is a wrong type (400), not a zero."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(_JsonNumber, serializers.FloatField):
    pass


class StrictIntegerField(_JsonNumber, serializers.IntegerField):
    pass


def _length(**kwargs) -> serializers.FloatField:
    return StrictFloatField(min_value=0, max_value=100_000, **kwargs)


def _coordinate(**kwargs) -> serializers.FloatField:
    return StrictFloatField(min_value=-100_000, max_value=100_000, required=False, **kwargs)


DRAWING_FORMATS = ("dxf", "svg")


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
    angle = StrictFloatField(min_value=-360, max_value=360, required=False)


def _scale(**kwargs) -> serializers.FloatField:
    return StrictFloatField(min_value=100, max_value=2000, required=False, **kwargs)


class FretSlotsDesign(_DesignBase):
    """One scale (``scale_length``) or a multiscale board (the bass and treble pair); docs/feasibility.md,
    "Fret boards"."""

    scale_length = _length(required=False)
    scale_length_bass = _scale(help_text="Multiscale: the bass edge's scale (mm), with scale_length_treble.")
    scale_length_treble = _scale(help_text="Multiscale: the treble edge's scale (mm), with scale_length_bass.")
    perpendicular_fret = StrictFloatField(
        min_value=0, max_value=36, required=False, help_text="Multiscale: the fret square to the centreline (0: nut)."
    )
    frets = StrictIntegerField(min_value=0, max_value=36, required=False)
    board_width = _length(required=False)
    nut_width = StrictFloatField(
        min_value=10, max_value=500, required=False, help_text="The board's width at the nut: a tapered board."
    )
    radius = StrictFloatField(
        min_value=50, max_value=10_000, required=False, help_text="Fingerboard radius (mm); Z0 on the crown."
    )
    radius_end = StrictFloatField(
        min_value=50, max_value=10_000, required=False, help_text="Compound radius at the last fret (mm)."
    )
    depth = _length(required=False)

    def validate(self, attrs):
        pair = [key for key in ("scale_length_bass", "scale_length_treble") if attrs.get(key) is not None]
        if pair and attrs.get("scale_length") is not None:
            message = "Give either scale_length (one scale) or scale_length_bass and scale_length_treble, not both."
            raise serializers.ValidationError({"scale_length": [message]})
        if len(pair) == 1:
            other = "scale_length_treble" if pair == ["scale_length_bass"] else "scale_length_bass"
            raise serializers.ValidationError({other: [f"A multiscale board needs {other} with {pair[0]}."]})
        if not pair and attrs.get("perpendicular_fret") is not None:
            message = "perpendicular_fret applies to a multiscale board (scale_length_bass, scale_length_treble)."
            raise serializers.ValidationError({"perpendicular_fret": [message]})
        if attrs.get("radius_end") is not None and attrs.get("radius") is None:
            message = "radius_end (the radius at the last fret) needs radius (the radius at the nut)."
            raise serializers.ValidationError({"radius_end": [message]})
        return attrs


class PocketCircleDesign(_DesignBase):
    d = _length(required=False)
    depth = _length(required=False)


class PocketRectDesign(_DesignBase):
    w = _length(required=False)
    h = _length(required=False)
    depth = _length(required=False)


class StrictCharField(serializers.CharField):
    """JSON text only: DRF's CharField also takes numbers (``12`` would become the file ``"12"``)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DrawingSourceSerializer(StrictSerializer):
    """A drawing: its text (``data``), or a reference to one received before (``sha256``, as a job's answer and
    artifact name it). The text is kept once by hash (``runs.drawings``); the design keeps the reference."""

    format = serializers.ChoiceField(choices=list(DRAWING_FORMATS), help_text="dxf or svg.")
    data = StrictCharField(
        required=False, trim_whitespace=False, help_text="The file's text (DXF or SVG), as read from the file."
    )
    sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$", required=False, help_text="A drawing received before: the SHA-256 of its text."
    )
    bytes = StrictIntegerField(min_value=0, required=False, help_text="With sha256: the file's size, if known.")
    name = StrictCharField(max_length=255, required=False, help_text="The file's name, for people.")

    def validate(self, attrs):
        if ("data" in attrs) == ("sha256" in attrs):
            raise serializers.ValidationError({"data": ["Give the drawing's text (data) or its sha256, not both."]})
        if "data" in attrs and "\x00" in attrs["data"]:
            raise serializers.ValidationError({"data": ["A DXF or SVG file holds no NUL characters."]})
        if "bytes" in attrs and "data" in attrs:
            raise serializers.ValidationError({"bytes": ["bytes goes with sha256; with data it is measured."]})
        return attrs


class OutlineTabsSerializer(StrictSerializer):
    count = StrictIntegerField(min_value=0, max_value=100, required=False, help_text="Tabs per outer edge.")
    width = StrictFloatField(min_value=0, max_value=1000, required=False, help_text="Bridge along the edge (mm).")
    height = StrictFloatField(min_value=0, max_value=1000, required=False, help_text="Above the cut's bottom (mm).")


class OutlineDesign(_DesignBase):
    """Closed outlines from a drawing, cut as a profile or cleared as a pocket (docs/outlines.md)."""

    operation = serializers.ChoiceField(choices=list(OUTLINE_OPERATIONS), required=False)
    direction = serializers.ChoiceField(
        choices=list(OUTLINE_DIRECTIONS), required=False, help_text="climb (default) or conventional."
    )
    source = DrawingSourceSerializer(required=False)
    depth = _length(required=False)
    tabs = OutlineTabsSerializer(required=False, allow_null=True)
    layer = StrictCharField(
        max_length=255, required=False, allow_null=True, help_text="Cut only this layer (DXF layer, SVG layer)."
    )


DESIGN_SERIALIZERS: dict[str, type[_DesignBase]] = {
    "ring": RingDesign,
    "slot": SlotDesign,
    "fret_slots": FretSlotsDesign,
    "pocket_circle": PocketCircleDesign,
    "pocket_rect": PocketRectDesign,
    "outline": OutlineDesign,
}


_DESIGN_SCHEMA = PolymorphicProxySerializer(
    component_name="Design", serializers=DESIGN_SERIALIZERS, resource_type_field_name="shape"
)


@extend_schema_field(_DESIGN_SCHEMA)
class DesignField(serializers.JSONField):
    """A design object, validated by the serializer of its `shape`; missing dimensions are left to the engine
    (which applies documented defaults or answers UNKNOWN)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Expected an object with a `shape`.")
        shape = data.get("shape")
        # isinstance first: an object or a list as the shape is unhashable, and must be a 400, not a 500.
        if not isinstance(shape, str) or shape not in DESIGN_SERIALIZERS:
            raise serializers.ValidationError(
                {"shape": [f"Unknown shape {shape!r}; expected one of {', '.join(DESIGN_SERIALIZERS)}."]}
            )
        inner = DESIGN_SERIALIZERS[shape](data=data)
        inner.is_valid(raise_exception=True)
        return _plain(inner.validated_data)


def _plain(value):
    """Validated data as plain dicts (nested serializers answer OrderedDicts), so designs hash and store alike."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class StrictRegistryIdField(serializers.CharField):
    """A registry id as JSON text: a number or an object is a wrong type (400), not an id."""

    def __init__(self, **kwargs):
        super().__init__(max_length=64, validators=[registry_id_validator], **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PostField(serializers.CharField):
    """A post-processor name: one of the controller dialects, as JSON text. Anything else is a 400 naming the known
    posts, so that a typo never falls back to another dialect."""

    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)

    def run_validation(self, data=serializers.empty):
        # An empty name is an unknown post too (CharField would answer "may not be blank", naming nothing).
        if data == "":
            self.to_internal_value(data)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in set(Controller):
            shown = repr(data) if isinstance(data, str) else "a " + type(data).__name__
            raise serializers.ValidationError(f"Unknown post {shown[:40]}; known posts: {', '.join(Controller)}.")
        return data


class CutSerializer(StrictSerializer):
    rpm = StrictIntegerField(min_value=0, max_value=1_000_000, required=False)
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
    fixture = StrictRegistryIdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A fixture (work offset) of the machine; default: the machine's default fixture.",
    )
    session_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    post = PostField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The G-code dialect (post-processor): " + ", ".join(Controller) + "; default: the machine's "
        "controller in the registry. Toolpaths only; a feasibility call ignores it.",
    )


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=["pass", "warn", "fail", "unknown"])
    message = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    limit = serializers.JSONField(allow_null=True)
    unit = serializers.CharField(allow_null=True, help_text="Unit of value and limit (mm, rpm, m/min, W...).")
    suggestions = serializers.ListField(
        child=serializers.CharField(), help_text="For a check that does not pass: the nearest changes that would."
    )


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


class StrictSerializerSchema(OpenApiSerializerExtension):
    """The request schema of a strict serializer says what its validation does: unknown keys are refused
    (``additionalProperties: false``), the tolerated extra keys are listed, and a design names its own shape,
    so that the design variants exclude one another."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return schema
        properties = schema.setdefault("properties", {})
        for key in sorted(self.target.allowed_extra_keys):
            properties.setdefault(key, {"description": "Accepted and ignored."})
        shape = _SHAPE_OF.get(type(self.target))
        if shape:
            properties["shape"] = {"type": "string", "enum": [shape]}
        schema["additionalProperties"] = False
        return schema


_SHAPE_OF = {serializer: shape for shape, serializer in DESIGN_SERIALIZERS.items()}
