from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RmosSiteConfig(AppConfig):
    name = "rmos_site"
    verbose_name = "RMOS"

    def ready(self) -> None:
        from rmos_site.core import userguard
        from rmos_site.core.roles import sync_role_permissions

        userguard.connect()

        # Runs after every app's migrate, so permissions of apps migrated later are found on the last call.
        post_migrate.connect(sync_role_permissions, dispatch_uid="rmos_sync_role_permissions")
