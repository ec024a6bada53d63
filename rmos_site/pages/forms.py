"""Page forms. They check only what a browser can get wrong (JSON syntax, number formats, lengths); the rules
themselves (a valid design, known states, roles) stay in the services and serializers the API uses."""

import json
import os

from django import forms
from rest_framework import serializers

from feasibility.enums import Controller
from feasibility.serializers import DESIGN_SERIALIZERS, DesignField, JobRequestSerializer
from rmos_site.core import jsonbody
from rmos_site.core.problems import first_validation_message
from rmos_site.pages import units
from rmos_site.pages.uploads import (
    CHOOSE_AGAIN,
    DRAWING_EXTENSIONS,
    DRAWING_NAME_MAX,
    current_drawing,
    current_drawing_value,
    drawing_text,
)
from runs.gcode_file import EXTENSIONS
from workflow.enums import SessionMode
from workflow.services import ID_MAX_LENGTH, NOTE_MAX_LENGTH

EXAMPLE_DESIGN = {"shape": "ring", "od": 100, "width": 4, "depth": 1.5}
# Keys under which a refused form's input waits for its page (``pages.kept``).
RUN_JOB_FORM = "run-job"
NEW_SESSION_FORM = "session-new"
# The shapes with a form of dimensions; an outline's form (``OUTLINE``) takes a drawing instead.
SHAPES = tuple(shape for shape in DESIGN_SERIALIZERS if shape != "outline")
OUTLINE = "outline"
FORM_SHAPES = (*SHAPES, OUTLINE)
# A drawing's format, by its file name's extension (any case).
OUTLINE_FIELDS = (
    "operation", "direction", "depth", "stock_thickness", "tabs_count", "tabs_width", "tabs_height", "layer", "x", "y",
)  # fmt: skip
OUTLINE_TABS = ("count", "width", "height")


def read_json(text: str):
    """The one place the page forms parse JSON text (a design typed in the advanced box), so that it can
    follow the API's reader (``rmos_site.core.jsonbody``: no NaN/Infinity, no overflowing numbers, bounded
    nesting). ValueError when the text is not JSON or is refused."""
    return jsonbody.loads(text)


class JSONObjectField(forms.JSONField):
    default_error_messages = {"invalid": 'Enter valid JSON (an object such as {"shape": "ring", ...}).'}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}))
        # The API's strict reader: no NaN/Infinity, no overflowing numbers, no nesting past its depth limit.
        kwargs.setdefault("decoder", jsonbody.StrictJSONDecoder)
        super().__init__(**kwargs)

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            return None
        if isinstance(value, dict | list | int | float):
            return value
        try:
            value = read_json(value)
        except jsonbody.JSONBodyError as exc:
            raise forms.ValidationError(f"Enter valid JSON ({exc})", code="invalid") from None
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None
        if value is not None and not isinstance(value, dict):
            raise forms.ValidationError('Expected a JSON object such as {"shape": "ring", ...}.')
        return value

    def bound_data(self, data, initial):
        # What the person typed is shown back as typed, valid JSON or not.
        return data

    def prepare_value(self, value):
        # Django's JSONField shows a dict on one line; a design reads better indented. Text is what was typed.
        if value is None or isinstance(value, str):
            return value or ""
        return json.dumps(value, indent=2, ensure_ascii=False)


class IdField(forms.CharField):
    """A registry id picked from a select; the length limit is checked here but is no attribute of a select."""

    def widget_attrs(self, widget):
        return {}


def _id(label: str, *, required: bool = True) -> IdField:
    return IdField(label=label, max_length=ID_MAX_LENGTH, required=required, widget=forms.Select)


def _text(label: str, *, required: bool) -> forms.CharField:
    return forms.CharField(label=label, max_length=NOTE_MAX_LENGTH, required=required, strip=True)


class RegistrySelects:
    """Fills the tool, material and machine selects from the registry (given once per request), and the
    fixture and post selects of a form that has them (``PlaceFields``)."""

    blank_label = ""

    def _current(self, name: str):
        return (self.data.get(name) if self.is_bound else None) or self.initial.get(name)

    def with_choices(self, registry: dict):
        for name, key in (("tool_id", "tools"), ("material_id", "materials"), ("machine_id", "machines")):
            choices = list(registry[key])
            current = self._current(name)
            if current and current not in {value for value, _ in choices}:
                # A stored id the registry no longer has stays selected rather than silently becoming another.
                choices.append((current, f"{current} — not in the registry"))
            if self.blank_label:
                choices.insert(0, ("", self.blank_label))
            self.fields[name].widget.choices = choices
        if "fixture" in self.fields:
            choices = [("", "— the machine's default fixture —"), *registry.get("fixtures", [])]
            current = self._current("fixture")
            if current and current not in {value for _, group in registry.get("fixtures", []) for value, _ in group}:
                choices.append((current, f"{current} — not in the registry"))
            self.fields["fixture"].widget.choices = choices
            self.fields["fixture"].optional_note = "where the job sits: the machine's default unless chosen"
            self.fields["post"].optional_note = "the machine's controller unless chosen"
        return self


# The G-code dialects (the posts the API takes, ``Controller``), named with the file each writes.
POST_LABELS = {"linuxcnc": "LinuxCNC", "grbl": "GRBL", "mach3": "Mach3"}
POST_CHOICES = [
    ("", "— the machine's controller —"),
    *((post.value, f"{POST_LABELS.get(post.value, post.value)} (.{EXTENSIONS[post.value]})") for post in Controller),
]


class PlaceFields(forms.Form):
    """Where on the machine the job sits and which controller its G-code is for, both optional. Checked by
    the API's own validation, as the ids are: a select to pick from, not a list the form enforces (the machine
    decides which fixtures exist; an unknown fixture is judged UNKNOWN, an unknown post refused)."""

    fixture = _id("Fixture", required=False)
    post = IdField(label="G-code for", max_length=32, required=False, widget=forms.Select(choices=POST_CHOICES))


# --- a design, given by a form per shape or as JSON ------------------------------------------------------


def _dimension_field(shape: str, key: str) -> forms.Field:
    label, unit = units.DESIGN_KEYS[key]
    default = units.design_default(shape, key)
    attrs = {"step": "1" if key == "frets" else "any", "inputmode": "numeric" if key == "frets" else "decimal"}
    if default is not None:
        attrs["placeholder"] = units.number(default)
    field_class = forms.IntegerField if key == "frets" else forms.FloatField
    field = field_class(label=label, required=False, widget=forms.NumberInput(attrs=attrs))
    # Shown beside the field; the serializer the API uses checks ranges, so the rules live in one place.
    field.unit = unit
    field.default = default
    field.required_for_shape = key in units.design_required(shape)
    field.optional_note = "optional" if key in units.OPTIONAL_DIMENSIONS.get(shape, ()) else ""
    if key == "scale_length" and shape == "fret_slots":
        field.required_for_shape = False
        field.optional_note = "or the bass and treble scales"
    return field


def design_initial(design) -> dict:
    """Initial values of the design fields for a stored design: its shape's form when every key has a field
    there, else the JSON box (a design the form cannot show is never silently trimmed)."""
    if not isinstance(design, dict):
        return {}
    shape = design.get("shape")
    if shape in SHAPES and set(design) - {"shape"} <= set(units.design_dimensions(shape)):
        return {"shape": shape, **{f"{shape}__{key}": _plain(value) for key, value in design.items() if key != "shape"}}
    if shape == OUTLINE:
        initial = _outline_initial(design)
        if initial is not None:
            return initial
    return {"design": design}


def _outline_initial(design: dict) -> dict | None:
    """An outline design in its form: the drawing it names is kept (the checkbox) unless another file is
    chosen. None when the form cannot show all of it."""
    simple = {"operation", "direction", "depth", "stock_thickness", "layer", "x", "y"}
    if set(design) - {"shape", "source", "tabs", *simple}:
        return None
    source, tabs = design.get("source"), design.get("tabs")
    if not isinstance(source, dict) or not isinstance(source.get("sha256"), str) or "data" in source:
        return None
    if tabs is not None and (not isinstance(tabs, dict) or set(tabs) - set(OUTLINE_TABS)):
        return None
    initial = {"shape": OUTLINE, "outline__keep": True, "outline__current": current_drawing_value(source)}
    initial.update({f"outline__{key}": _plain(design[key]) for key in simple if design.get(key) is not None})
    initial.update({f"outline__tabs_{key}": _plain(value) for key, value in (tabs or {}).items()})
    return initial


def _outline_fields(*, keep: bool) -> dict[str, forms.Field]:
    """The outline's form: the drawing file and how to cut it."""

    def number(key: str, label: str, unit: str = "mm", *, integer: bool = False, required: bool = False):
        attrs = {"step": "1" if integer else "any", "inputmode": "numeric" if integer else "decimal"}
        if key in ("x", "y"):
            attrs["placeholder"] = "0"
        field = (forms.IntegerField if integer else forms.FloatField)(
            label=label, required=False, widget=forms.NumberInput(attrs=attrs)
        )
        field.unit = unit
        field.default = 0 if key in ("x", "y") else None
        field.required_for_shape = required
        field.optional_note = "" if required or key in ("x", "y") else "optional"
        return field

    def select(label: str, choices: dict, initial: str):
        field = forms.ChoiceField(label=label, choices=list(choices.items()), required=False, initial=initial)
        field.required_for_shape = True
        return field

    fields = {
        "file": forms.FileField(
            label="Drawing file (.dxf or .svg)",
            required=False,
            allow_empty_file=True,
            widget=forms.FileInput(attrs={"accept": ".dxf,.svg"}),
        ),
        "operation": select("Operation", units.OUTLINE_OPERATIONS, "profile_outside"),
        "direction": select("Direction", units.OUTLINE_DIRECTIONS, "climb"),
        "depth": number("depth", "Depth", required=True),
        "stock_thickness": number("stock_thickness", "Stock thickness", required=True),
        "tabs_count": number("tabs_count", "Tabs", "", integer=True),
        "tabs_width": number("tabs_width", "Tab width"),
        "tabs_height": number("tabs_height", "Tab height"),
        "layer": forms.CharField(label="Layer", max_length=255, required=False, strip=True),
        "x": number("x", "Position X"),
        "y": number("y", "Position Y"),
    }
    fields["layer"].optional_note = "optional: every layer"
    fields["file"].required_for_shape = not keep  # a stored design's drawing may be kept instead
    for field in fields.values():
        for attr, value in (("unit", ""), ("default", None), ("required_for_shape", False), ("optional_note", "")):
            if not hasattr(field, attr):
                setattr(field, attr, value)
    if keep:
        fields["keep"] = forms.BooleanField(label="Keep the current drawing", required=False)
        fields["current"] = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)
    return {f"outline__{name}": field for name, field in fields.items()}


def _plain(value):
    # 100.0 typed as "100" is sent as 100: the recorded request reads as the person wrote it.
    return int(value) if isinstance(value, float) and value.is_integer() else value


class DesignInput(forms.Form):
    """A design from one of the forms per shape or, when the advanced box is not empty, from its JSON.

    Every shape's fieldset is in the page; the chosen one is shown (CSS only, no script) and used. The
    serializer the API validates designs with (``feasibility.serializers.DesignField``) checks the result,
    and its messages go next to the field they are about. An outline's fieldset takes its drawing as a file
    (the page's form is multipart), read as UTF-8 text and sent as the design's ``source.data``.
    """

    design_required = True
    design_label = "Design (JSON)"
    # A form that edits a stored design may keep the drawing it names instead of taking the file again.
    keeps_drawing = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(shape, units.SHAPE_LABELS[shape]) for shape in FORM_SHAPES]
        if not self.design_required:
            choices.insert(0, ("", "No design yet"))
        self.fields["shape"] = forms.ChoiceField(
            label="Shape", choices=choices, required=False, widget=forms.RadioSelect(attrs={"class": "shape-radio"})
        )
        if "shape" not in self.initial and "design" not in self.initial:
            self.initial["shape"] = "ring" if self.design_required else ""
        for shape in SHAPES:
            for key in units.design_dimensions(shape):
                self.fields[f"{shape}__{key}"] = _dimension_field(shape, key)
        self.fields.update(_outline_fields(keep=self.keeps_drawing))
        self.fields["design"] = JSONObjectField(
            label=self.design_label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "placeholder": json.dumps(EXAMPLE_DESIGN)}),
        )
        self.design_from = ""

    def design_fieldsets(self) -> list[dict]:
        """Per shape: its label, what x and y name, and each field with its unit, default and whether the
        shape needs it (an outline's file and its "keep" box apart, above the others)."""
        sets = [
            {
                "shape": shape,
                "label": units.SHAPE_LABELS[shape],
                "origin": units.SHAPE_ORIGINS[shape],
                "fields": [self[f"{shape}__{key}"] for key in units.design_dimensions(shape)],
            }
            for shape in SHAPES
        ]
        current = current_drawing(self["outline__current"].value()) if self.keeps_drawing else None
        sets.append(
            {
                "shape": OUTLINE,
                "label": units.SHAPE_LABELS[OUTLINE],
                "origin": units.SHAPE_ORIGINS[OUTLINE],
                "file": self["outline__file"],
                "keep": self["outline__keep"] if current else None,
                "current": self["outline__current"] if self.keeps_drawing else None,
                "current_label": units.drawing_label(current) if current else "",
                "fields": [self[f"outline__{key}"] for key in OUTLINE_FIELDS],
            }
        )
        return sets

    def json_open(self) -> bool:
        """The advanced box starts open when it holds the design or an error."""
        value = self["design"].value()
        return bool(value) or "design" in self.errors

    def _design(self, cleaned: dict):
        """The design the person gave (``None`` for none), or ``None`` with the errors added."""
        if cleaned.get("design") is not None:
            self.design_from = "json"
            return cleaned["design"]
        if "design" in self.errors:
            return None
        shape = cleaned.get("shape") or ""
        if not shape:
            if self.design_required:
                self.add_error("shape", "Choose a shape, or give the design as JSON.")
            return None
        self.design_from = "form"
        if shape == OUTLINE:
            return self._outline_design(cleaned)
        design = {"shape": shape}
        for key in units.design_dimensions(shape):
            name = f"{shape}__{key}"
            value = cleaned.get(name)
            if value is None:
                multiscale = key == "scale_length" and cleaned.get(f"{shape}__scale_length_bass") is not None
                if name not in self.errors and key in units.design_required(shape) and not multiscale:
                    self.add_error(name, f"Required for a {units.SHAPE_LABELS[shape].lower()}.")
                continue
            design[key] = _plain(value)
        return design

    def _outline_design(self, cleaned: dict) -> dict:
        """``{"shape": "outline", operation, direction, source, depth, stock_thickness, tabs?, layer?, x?, y?}``."""
        design = {"shape": OUTLINE}
        for key in ("operation", "direction"):
            if cleaned.get(f"outline__{key}"):
                design[key] = cleaned[f"outline__{key}"]
            elif f"outline__{key}" not in self.errors:
                self.add_error(f"outline__{key}", "Required for an outline.")
        source = self._drawing_source(cleaned)
        if source is not None:
            design["source"] = source
        for key in ("depth", "stock_thickness"):
            value = cleaned.get(f"outline__{key}")
            if value is not None:
                design[key] = _plain(value)
            elif f"outline__{key}" not in self.errors:
                self.add_error(f"outline__{key}", "Required for an outline.")
        tabs = {key: _plain(cleaned[f"outline__tabs_{key}"]) for key in OUTLINE_TABS
                if cleaned.get(f"outline__tabs_{key}") is not None}  # fmt: skip
        if tabs:
            design["tabs"] = tabs
        if cleaned.get("outline__layer"):
            design["layer"] = cleaned["outline__layer"]
        for key in ("x", "y"):
            if cleaned.get(f"outline__{key}") is not None:
                design[key] = _plain(cleaned[f"outline__{key}"])
        return design

    def _drawing_source(self, cleaned: dict) -> dict | None:
        """The chosen file as ``{"format", "data", "name"}``, the kept drawing as ``{"format", "sha256"}``, or
        None with an error beside the file field."""
        field = "outline__file"
        upload = cleaned.get(field)
        if upload is None:
            if field in self.errors:
                return None
            current = current_drawing(cleaned.get("outline__current")) if self.keeps_drawing else None
            if current and cleaned.get("outline__keep"):
                return current
            self.add_error(field, "Choose the drawing: a .dxf or .svg file.")
            return None
        name = os.path.basename(upload.name or "")[:DRAWING_NAME_MAX]
        fmt = DRAWING_EXTENSIONS.get(os.path.splitext(name)[1].lower())
        if fmt is None:
            self.add_error(field, f"{name or 'The file'} is not a drawing RMOS reads: choose a .dxf or .svg file.")
            return None
        text = drawing_text(upload.read(), fmt)
        if text is None:
            self.add_error(field, f"{name} is not UTF-8 text; save the drawing as UTF-8 (DXF R2007 or later, or SVG).")
            return None
        return {"format": fmt, "data": text, "name": name} if name else {"format": fmt, "data": text}

    def kept_errors(self) -> dict[str, list[str]]:
        """What ``pages.kept`` must keep beside the input for the form sent back when a file was chosen: the
        file is not kept, so the form shown again stops at the missing file and could not find the errors the
        job's validation gave the other fields (a depth, a post); they are kept as they were, and the file
        field asks for the file again."""
        if not self.files.get("outline__file"):
            return {}
        kept = {name: list(messages) for name, messages in self.errors.items() if name in self.fields}
        file_errors = self.errors.get("outline__file") or []
        kept["outline__file"] = [f"{message} {CHOOSE_AGAIN}" for message in file_errors] or [CHOOSE_AGAIN]
        return kept

    def _design_field(self, shape: str, key: str) -> str | None:
        """The form field a design key's message belongs beside."""
        if shape == OUTLINE and key == "source":
            return "outline__file"
        name = f"{shape}__{key}"
        return name if shape and name in self.fields else None

    def add_design_errors(self, detail) -> None:
        """The serializer's messages about the design, each next to its field."""
        shape = self.cleaned_data.get("shape") if self.design_from == "form" else ""
        if not isinstance(detail, dict):
            self.add_error("design" if self.design_from == "json" else "shape", first_validation_message(detail))
            return
        for key, messages in detail.items():
            if shape == OUTLINE and key == "tabs" and isinstance(messages, dict):
                for sub, sub_messages in messages.items():
                    name = f"outline__tabs_{sub}"
                    self.add_error(name if name in self.fields else "shape", first_validation_message(sub_messages))
                continue
            message = first_validation_message(messages)
            name = self._design_field(shape, key)
            if name:
                self.add_error(name, message)
            elif self.design_from == "json":
                self.add_error("design", f"{key}: {message}")
            else:
                self.add_error("shape", f"{key}: {message}")

    def clean(self):
        cleaned = super().clean()
        design = self._design(cleaned)
        if design is not None and not self.errors:
            try:
                design = DesignField().run_validation(design)
            except serializers.ValidationError as exc:
                self.add_design_errors(exc.detail)
                design = None
        cleaned["design"] = design
        return cleaned


class DesignForm(DesignInput):
    """The session's design step: the same forms per shape as the job form; an outline may keep the drawing
    the stored design names."""

    keeps_drawing = True

    def api_body(self) -> dict:
        # The per-shape fields are this form's way of writing one design; the API's body is the design alone.
        return {"design": self.cleaned_data["design"]}


def session_form_key(session, action: str) -> str:
    return f"session:{session.pk}:{action}"


class ContextForm(RegistrySelects, PlaceFields):
    # Starts empty, as the job form does: a stray click must not set a context nobody chose.
    blank_label = "— choose —"
    field_order = ("tool_id", "material_id", "machine_id", "fixture", "post")

    tool_id = _id("Tool")
    material_id = _id("Material")
    machine_id = _id("Machine")


class NoteForm(forms.Form):
    note = _text("Note", required=False)


class ReasonForm(forms.Form):
    reason = _text("Reason", required=True)


class ApproveForm(NoteForm):
    # The verdict the approver was shown: if it moved since the page was rendered, the service refuses.
    feasibility_sha256 = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class EmptyForm(forms.Form):
    pass


class NewSessionForm(RegistrySelects, PlaceFields, DesignInput):
    blank_label = "— later —"
    design_required = False

    mode = forms.ChoiceField(label="Mode", choices=SessionMode.choices, initial=SessionMode.DESIGN_FIRST)
    tool_id = _id("Tool", required=False)
    material_id = _id("Material", required=False)
    machine_id = _id("Machine", required=False)

    CONTEXT_FIELDS = ("tool_id", "material_id", "machine_id", "fixture", "post")

    def context(self) -> dict:
        return {key: self.cleaned_data[key] for key in self.CONTEXT_FIELDS if self.cleaned_data[key]}


def _cut(name: str, *, integer: bool = False):
    label, unit = units.CUT_KEYS[name]
    field = forms.IntegerField if integer else forms.FloatField
    step = "1" if integer else "any"
    attrs = {"step": step, "inputmode": "numeric" if integer else "decimal", "placeholder": "registry"}
    field = field(label=label, required=False, min_value=0, widget=forms.NumberInput(attrs=attrs))
    field.unit = unit
    return field


class RunJobForm(RegistrySelects, PlaceFields, DesignInput):
    # No preselected tool, material or machine: what is cut, with what, on which machine is the operator's
    # choice to make, not a default's.
    blank_label = "— choose —"

    tool_id = _id("Tool")
    material_id = _id("Material")
    machine_id = _id("Machine")
    rpm = _cut("rpm", integer=True)
    feed_mm_min = _cut("feed_mm_min")
    plunge_mm_min = _cut("plunge_mm_min")
    stepdown_mm = _cut("stepdown_mm")
    stepover_mm = _cut("stepover_mm")

    CUT_FIELDS = ("rpm", "feed_mm_min", "plunge_mm_min", "stepdown_mm", "stepover_mm")

    def cut_fields(self) -> list:
        return [self[name] for name in self.CUT_FIELDS]

    def cut_open(self) -> bool:
        """The overrides start folded, unless they hold something typed or an error."""
        return self.is_bound and any(self[name].value() not in (None, "") for name in self.CUT_FIELDS)

    def clean(self):
        # The design as given (not yet normalised by DesignField): the request is recorded as sent.
        cleaned = forms.Form.clean(self)
        design = self._design(cleaned)
        if self.errors:
            return cleaned
        job = {name: cleaned[name] for name in ("tool_id", "material_id", "machine_id")}
        job.update({name: cleaned[name] for name in ("fixture", "post") if cleaned.get(name)})
        job["design"] = design
        cut = {name: cleaned[name] for name in self.CUT_FIELDS if cleaned.get(name) is not None}
        self.raw = {**job, "cut": cut} if cut else job
        # The toolpaths endpoint's own validation, its messages next to the fields they are about.
        serializer = JobRequestSerializer(data=self.raw)
        if serializer.is_valid():
            self.inputs = dict(serializer.validated_data)
            return cleaned
        for name, detail in serializer.errors.items():
            if name == "design":
                self.add_design_errors(detail)
            elif name == "cut" and isinstance(detail, dict):
                for key, messages in detail.items():
                    self.add_error(key if key in self.fields else None, first_validation_message(messages))
            else:
                self.add_error(name if name in self.fields else None, first_validation_message(detail))
        return cleaned

    def job_request(self) -> dict:
        """The request as the toolpaths endpoint would receive it; blank overrides are not sent."""
        return self.raw
