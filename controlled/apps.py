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
        self._register_counts()

    def _register_counts(self) -> None:
        """Counts, cases, inventories and reports: the home panel (deadlines, inventory
        due), the daily inventory reminder, its reminder kind, the menu."""
        from clinic.context_processors import NAVIGATION, NavItem
        from clinic.panels import HOME_PANELS, HomePanel
        from clinic.schedules import Periodic, declare_periodic
        from controlled.home import home_panel
        from controlled.services import inventories

        HOME_PANELS.append(HomePanel("controlled/_home_panel.html", home_panel))
        inventories.register()
        declare_periodic(
            Periodic(
                name="Remind of controlled-substance inventories due",
                task="controlled.plan_inventory_reminders",
                crontab={"minute": "20", "hour": "12"},
                description="Daily: e-mail the controlled-substance managers of a location "
                "whose biennial inventory is due within 30 days (or that has none).",
            )
        )
        declare_periodic(
            Periodic(
                name="Delete expired controlled-substance report files",
                task="controlled.expire_report_files",
                crontab={"minute": "40", "hour": "3"},
                description="Daily: delete the report files (long reports made by a worker) "
                "kept past their 7 days, and mark any a worker never finished as failed.",
            )
        )
        NAVIGATION.extend(
            [
                NavItem("Counts and inventories", "controlled_counts", group="Treatment floor"),
                NavItem("Count discrepancies", "discrepancy_list", group="Reviews"),
                NavItem("Theft or loss cases", "case_list", group="Reviews"),
                NavItem("Controlled-substance reports", "controlled_reports", group="Reviews"),
            ]
        )
