from __future__ import annotations

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Intake and eligibility"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from intake import permissions  # noqa: F401  (declares this app's actions)
        from intake.documents import register_documents

        register_documents()
        from clinic.context_processors import NAVIGATION, NavItem
        from intake import links

        links.register()
        from intake.reminders import register

        register()
        from clinic.portal import PORTAL_PANELS, PortalPanel
        from intake.selectors import portal_decision_letter

        PORTAL_PANELS.append(
            PortalPanel("intake/_portal_decision_letter.html", portal_decision_letter)
        )

        NAVIGATION[2:2] = [
            NavItem("Invitations", "invitation_list", group="Patients"),
            NavItem("Review queue", "review_queue", group="Reviews"),
            NavItem("My intake", "intake_home"),
        ]

    def seed_demo(self) -> None:
        from intake.demo import seed_intake_demo

        seed_intake_demo()
