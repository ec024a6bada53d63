"""Page forms. They check only what a browser can get wrong (JSON syntax, number formats, lengths); the rules
themselves (a valid design, known states, roles) stay in the services and serializers the API uses."""

import json

from django import forms

from workflow.enums import SessionMode
from workflow.services import ID_MAX_LENGTH, NOTE_MAX_LENGTH

EXAMPLE_DESIGN = {"shape": "ring", "od": 100, "width": 4, "depth": 1.5}


class JSONObjectField(forms.JSONField):
    default_error_messages = {"invalid": 'Enter valid JSON (an object such as {"shape": "ring", ...}).'}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not isinstance(value, dict):
            raise forms.ValidationError('Expected a JSON object such as {"shape": "ring", ...}.')
        return value

    def prepare_value(self, value):
        # Django's JSONField shows a dict on one line; a design reads better indented.
        if isinstance(value, dict):
            return json.dumps(value, indent=2)
        return super().prepare_value(value)


class IdField(forms.CharField):
    """A registry id picked from a select; the length limit is checked here but is no attribute of a select."""

    def widget_attrs(self, widget):
        return {}


def _id(label: str, *, required: bool = True) -> IdField:
    return IdField(label=label, max_length=ID_MAX_LENGTH, required=required, widget=forms.Select)


def _text(label: str, *, required: bool) -> forms.CharField:
    return forms.CharField(label=label, max_length=NOTE_MAX_LENGTH, required=required, strip=True)


class RegistrySelects:
    """Fills the tool, material and machine selects from the registry (given once per request)."""

    blank_label = ""

    def with_choices(self, registry: dict):
        for name, key in (("tool_id", "tools"), ("material_id", "materials"), ("machine_id", "machines")):
            choices = list(registry[key])
            current = self.initial.get(name)
            if current and current not in {value for value, _ in choices}:
                # A stored id the registry no longer has stays selected rather than silently becoming another.
                choices.append((current, f"{current} — not in the registry"))
            if self.blank_label:
                choices.insert(0, ("", self.blank_label))
            self.fields[name].widget.choices = choices
        return self


class DesignForm(forms.Form):
    design = JSONObjectField(label="Design")


class ContextForm(RegistrySelects, forms.Form):
    # Starts empty, as the job form does: a stray click must not set a context nobody chose.
    blank_label = "— choose —"

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


class NewSessionForm(RegistrySelects, forms.Form):
    blank_label = "— later —"

    mode = forms.ChoiceField(label="Mode", choices=SessionMode.choices, initial=SessionMode.DESIGN_FIRST)
    design = JSONObjectField(label="Design (JSON, optional)", required=False)
    tool_id = _id("Tool", required=False)
    material_id = _id("Material", required=False)
    machine_id = _id("Machine", required=False)

    def context(self) -> dict:
        return {
            key: self.cleaned_data[key] for key in ("tool_id", "material_id", "machine_id") if self.cleaned_data[key]
        }


def _cut(label: str, *, integer: bool = False):
    field = forms.IntegerField if integer else forms.FloatField
    step = "1" if integer else "any"
    return field(label=label, required=False, min_value=0, widget=forms.NumberInput(attrs={"step": step}))


class RunJobForm(RegistrySelects, forms.Form):
    # No preselected tool, material or machine: what is cut, with what, on which machine is the operator's
    # choice to make, not a default's.
    blank_label = "— choose —"

    tool_id = _id("Tool")
    material_id = _id("Material")
    machine_id = _id("Machine")
    design = JSONObjectField(label="Design (JSON)", widget=forms.Textarea(attrs={"rows": 7, "spellcheck": "false"}))
    rpm = _cut("Spindle rpm", integer=True)
    feed_mm_min = _cut("Feed mm/min")
    plunge_mm_min = _cut("Plunge mm/min")
    stepdown_mm = _cut("Stepdown mm")
    stepover_mm = _cut("Stepover mm")

    CUT_FIELDS = ("rpm", "feed_mm_min", "plunge_mm_min", "stepdown_mm", "stepover_mm")

    def job_request(self) -> dict:
        """The request as the toolpaths endpoint would receive it; blank overrides are not sent."""
        data = self.cleaned_data
        job = {name: data[name] for name in ("tool_id", "material_id", "machine_id", "design")}
        cut = {name: data[name] for name in self.CUT_FIELDS if data.get(name) is not None}
        return {**job, "cut": cut} if cut else job
