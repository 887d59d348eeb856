from __future__ import annotations

from django.apps import AppConfig


class SessionsConfig(AppConfig):
    """Treatment sessions. The label differs from the folder so it never clashes with
    django.contrib.sessions (both would otherwise be "sessions")."""

    name = "sessions"
    label = "treatment_sessions"
    verbose_name = "Treatment sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clinic.selectors import register_settings_relation
        from sessions import permissions  # noqa: F401  (declares this app's actions)

        register_settings_relation("vital_limits")  # read with the settings row, no query
        from sessions.documents import register_documents

        register_documents()
        from sessions import links

        links.register()
        from sessions.reminders import register

        register()
        from intake.services import DECISION_RECORDED
        from sessions.services.scheduling import appointments_cancel_for_eligibility

        DECISION_RECORDED.append(appointments_cancel_for_eligibility)
        from clinic.admin import CLOSURE_CONFLICTS
        from sessions.selectors.scheduling import sessions_booked_on

        CLOSURE_CONFLICTS.append(sessions_booked_on)
        from clinic.portal import PORTAL_FACTS
        from sessions.selectors.scheduling import portal_next_session

        PORTAL_FACTS.append(portal_next_session)
        from controlled.selectors.named_patients import NAMED_PATIENT_SOURCES
        from sessions.selectors.location import esketamine_patients_at

        NAMED_PATIENT_SOURCES.append(esketamine_patients_at)
        from clinic.context_processors import NAVIGATION, NavItem

        NAVIGATION[2:2] = [
            NavItem("Nurse board", "nurse_board", group="Treatment floor"),
            NavItem("Calendar", "calendar_day", group="Schedule"),
            NavItem("Boosters due", "boosters_due", group="Schedule"),
            NavItem("Cancelled", "eligibility_cancellations", group="Schedule"),
            NavItem("REMS forms", "rems_forms_due", group="Treatment floor"),
            NavItem("Co-sign", "cosign_queue", group="Reviews"),
            NavItem("My sessions", "my_sessions"),
        ]

    def seed_demo(self) -> None:
        from controlled.demo import seed_controlled_stock, seed_named_patient_devices
        from sessions.demo import seed_sessions_demo
        from sessions.demo_records import seed_records_demo

        # The ledger's stock first: receipts come before the doses that draw on them.
        seed_controlled_stock()
        seed_sessions_demo()
        seed_records_demo()
        seed_named_patient_devices()
