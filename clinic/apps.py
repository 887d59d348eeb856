from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clinic import (
            checks,  # noqa: F401  (registers the deployment checks)
            permissions,  # noqa: F401  (declares the core's actions)
        )
        from clinic.schedules import sync_periodic_tasks

        post_migrate.connect(sync_periodic_tasks, sender=self)

        from clinic import signals

        signals.connect()
