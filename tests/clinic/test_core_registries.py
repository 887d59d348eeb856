"""The registries feature apps fill in their AppConfig.ready(): the audit log's
administrative object types, the periodic tasks, the chart's and the portal home's
buttons. Each holds exactly what the core used to list itself."""

from __future__ import annotations

from clinic.audit import CLINICAL_RECORD, administrative_prefixes, audit_object_label
from clinic.panels import CHART_LINKS
from clinic.portal import PORTAL_LINKS
from clinic.schedules import PERIODIC_TASKS


def test_the_administrative_object_types_are_those_the_core_used_to_list() -> None:
    assert set(administrative_prefixes()) == {
        # The FHIR app's: API clients and token requests are the admin's to see.
        "fhir.apiclient",
        "fhir.token",
        "otp.",
        "clinic.",
        "home.",
        "calendar.",
        "intake.invitation",
        "treatment_sessions.appointment",
        "treatment_sessions.booking",
        "treatment_sessions.series",
    }
    assert audit_object_label("treatment_sessions.series") == "treatment_sessions.series"
    assert audit_object_label("calendar.day") == "calendar.day"
    assert audit_object_label("intake.intake") == CLINICAL_RECORD
    assert audit_object_label("integration.integrationnote") == CLINICAL_RECORD


def test_the_periodic_tasks_are_the_same_set_with_the_same_intervals() -> None:
    assert {(p.name, p.task, tuple(sorted(p.crontab.items()))) for p in PERIODIC_TASKS} == {
        ("Queue due reminders", "reminders.queue_due", (("minute", "*"),)),
        ("Sweep stuck reminders", "reminders.sweep", (("minute", "*/5"),)),
        ("Plan follow-up reminders", "reminders.plan_followups", (("minute", "7"),)),
        (
            "Refresh the clinic outcomes",
            "integration.refresh_clinic_outcomes",
            (("minute", "*/5"),),
        ),
        (
            "Verify the audit chain",
            "clinic.verify_audit_chain",
            (("hour", "2"), ("minute", "15")),
        ),
        (
            "Remind of controlled-substance inventories due",
            "controlled.plan_inventory_reminders",
            (("hour", "12"), ("minute", "20")),
        ),
        (
            "Delete expired controlled-substance report files",
            "controlled.expire_report_files",
            (("hour", "3"), ("minute", "40")),
        ),
        ("Delete expired FHIR exports", "fhir.expire_exports", (("minute", "41"),)),
    }
    assert len(PERIODIC_TASKS) == 8


def test_the_chart_buttons_come_in_the_order_the_chart_always_showed() -> None:
    assert [(link.label, link.url_name) for link in CHART_LINKS] == [
        ("Edit details", "patient_edit"),
        ("Change care team", "patient_care_team"),
        ("Enter intake with the patient", "staff_intake_review"),
        ("Documents", "patient_documents"),
        ("Reminders", "patient_reminders"),
        ("Integration notes", "patient_notes"),
        ("Outcomes", "patient_outcomes"),
        ("Sessions", "patient_sessions"),
        ("Treatment plan", "plan"),
        ("Eligibility review", "review"),
    ]
    assert [link.url_name for link in CHART_LINKS if link.primary] == ["review"]


def test_the_portal_buttons_come_in_order_each_at_its_journey_states() -> None:
    shown = {link.url_name: link for link in PORTAL_LINKS}
    assert list(shown) == ["my_sessions", "booster_request", "intake_home"]
    assert shown["my_sessions"].states == {"plan", "induction", "maintenance"}
    assert shown["booster_request"].states == {"maintenance"}
    assert not shown["booster_request"].primary
    intake = shown["intake_home"]
    assert intake.states == {
        "invited",
        "intake_in_progress",
        "more_information",
        "awaiting_review",
    }
    assert intake.label_at("intake_in_progress") == "Continue my intake"
    assert intake.label_at("awaiting_review") == "See my intake"
