import json

from django.contrib import admin
from django.utils.html import format_html

from runs.hashing import JSON_FIELDS
from runs.models import RunArtifact

# The changelist shows one line per run; loading these for a hundred rows would be megabytes for nothing.
_HEAVY_FIELDS = (*JSON_FIELDS, "gcode_text")


@admin.register(RunArtifact)
class RunArtifactAdmin(admin.ModelAdmin):
    """Read-only: no add, change or delete permission for anyone, superusers included, and no actions. The
    model and the database refuse changes anyway; this keeps the admin from offering them."""

    list_display = ("run_id", "seq", "created_at", "kind", "status", "mode", "tool_id", "risk_level", "score", "actor")
    list_filter = ("status", "kind", "mode", "risk_level")
    # Exact and prefix matches, case-sensitive as the ids are: each arm of the OR then has an index (run_id's
    # unique index, (tool_id varchar_pattern_ops, seq), (session_id, seq)). The admin's "=" and "^" prefixes
    # would compare UPPER(...), which no index covers, and scan the whole ledger.
    search_fields = ("run_id__exact", "tool_id__startswith", "session_id__exact")
    ordering = ("-seq",)
    show_full_result_count = False
    actions = None

    class Media:
        css = {"all": ("rmos/admin.css",)}  # long JSON and hashes wrap inside the page

    fieldsets = (
        (None, {"fields": ("run_id", "seq", "created_at", "kind", "status", "actor", "session_id")}),
        ("Decision", {"fields": ("mode", "tool_id", "material_id", "machine_id", "risk_level", "score",
                                 "engine_version", "errors_json")}),
        # The stored JSON and the G-code run to thousands of lines: folded (a <details>, no script) until opened.
        ("Request", {"fields": ("request_json", "discarded_client_fields"), "classes": ("collapse",)}),
        ("Feasibility", {"fields": ("feasibility_json", "registry_snapshot_json"), "classes": ("collapse",)}),
        ("Outputs", {"fields": ("toolpaths_json", "gcode_text"), "classes": ("collapse",)}),
        ("Hashes", {"fields": ("request_sha256", "feasibility_sha256", "toolpaths_sha256", "gcode_sha256",
                               "content_sha256", "prev_sha256", "chain_sha256")}),
    )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [name for _, options in self.fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        url_name = getattr(request.resolver_match, "url_name", None) or ""
        if url_name.endswith("_changelist"):
            queryset = queryset.defer(*_HEAVY_FIELDS)
        return queryset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @staticmethod
    def _pretty(value):
        return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))

    @admin.display(description="request")
    def request_json(self, obj):
        return self._pretty(obj.request)

    @admin.display(description="feasibility")
    def feasibility_json(self, obj):
        return self._pretty(obj.feasibility)

    @admin.display(description="registry snapshot")
    def registry_snapshot_json(self, obj):
        return self._pretty(obj.registry_snapshot)

    @admin.display(description="toolpaths")
    def toolpaths_json(self, obj):
        return self._pretty(obj.toolpaths)

    @admin.display(description="errors")
    def errors_json(self, obj):
        return self._pretty(obj.errors)
