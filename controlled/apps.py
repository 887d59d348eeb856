from __future__ import annotations

from django.apps import AppConfig


class ControlledConfig(AppConfig):
    """The controlled-substance record (spec controlled-substances.md §2–3): per DEA
    registration (location), every receipt, administration, waste, destruction, count and
    adjustment of ketamine and esketamine. It sits under `sessions` and never imports it:
    a dose reaches it through `controlled.services.administration_post`."""

    name = "controlled"
    verbose_name = "Controlled substances"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clinic.context_processors import NAVIGATION, NavItem
        from controlled import admin, permissions  # noqa: F401  (actions, admin pages)

        NAVIGATION.append(
            NavItem("Controlled substances", "controlled_stock", group="Treatment floor")
        )
