from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = "Workflow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from runs.verification import register_chain
        from workflow.chain import events_verify

        # verify_runs proves the transition events too (workflow/chain.py, docs/ledger.md).
        register_chain("transition_events", events_verify)
