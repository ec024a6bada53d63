from django.apps import AppConfig


class FeasibilityConfig(AppConfig):
    name = "feasibility"
    verbose_name = "Feasibility and shop registry"
