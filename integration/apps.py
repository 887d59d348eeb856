from __future__ import annotations

from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    """Integration-therapy notes and measurement-based outcomes."""

    name = "integration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clinic.context_processors import NAVIGATION, NavItem
        from clinic.panels import CHART_PANELS, ChartPanel
        from integration import permissions  # noqa: F401  (declares this app's actions)
        from integration.views import outcomes_panel

        CHART_PANELS.append(ChartPanel("integration/_chart_outcomes.html", outcomes_panel))

        from integration import links

        links.register()
        from integration.documents import register_documents

        register_documents()

        NAVIGATION.extend(
            [
                NavItem("Caseload", "caseload", group="Patients"),
                NavItem("Outcomes", "clinic_outcomes", group="Reviews"),
                NavItem("Questionnaires", "pre_session_measures"),
                NavItem("My practices", "my_practices"),
            ]
        )

    def seed_demo(self) -> None:
        from integration.demo import seed_integration_demo

        seed_integration_demo()
