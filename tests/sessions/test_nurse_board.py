"""The nurse board: every session in progress, critical alerts prominent, constant queries."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from sessions.models import VitalAlert
from sessions.services import records as services
from tests.factories import ChairFactory, PatientFactory, UrgentAlertFactory
from tests.sessions.conftest import book_now, make_plan
from tests.sessions.test_session_record import NORMAL, dose, ready_to_dose


def running_session(personas, index: int):
    patient = PatientFactory(legal_first_name=f"Pat{index}", legal_last_name=f"Board{index}")
    chair = ChairFactory(name=f"Chair {index + 2}", display_order=index + 2)
    plan = make_plan(patient, personas.psychiatrist)
    appointment = book_now(patient, plan, chair, personas.coordinator)
    session = services.session_open(appointment=appointment, actor=personas.nurse)
    session = ready_to_dose(session, personas.nurse, dose_minutes_ago=20)
    dose(session, personas.nurse, minutes_ago=20)
    services.reading_record(
        session=session, values=NORMAL | {"moaas": 3}, taken_at=None, actor=personas.nurse
    )
    return session


def test_the_board_shows_sessions_in_progress_and_refreshes_itself(
    chairside, personas, login
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=40)
    dose(session, personas.nurse, minutes_ago=40)
    services.reading_record(
        session=session,
        values={"systolic": 186, "diastolic": 104, "heart_rate": 90},
        taken_at=timezone.now() - dt.timedelta(minutes=20),
        actor=personas.nurse,
    )
    nurse = login(personas.nurse)
    html = nurse.get(reverse("nurse_board")).content.decode()
    assert 'hx-trigger="every 8s"' in html and reverse("nurse_board_live") in html
    assert "Chair 1 · AQ" in html and "Quillfeather" not in html  # initials + record number
    assert "CRITICAL:</strong> Blood pressure 186/104 mmHg" in html
    assert "OVERDUE" in html  # last reading 20 minutes ago
    live = nurse.get(reverse("nurse_board_live")).content.decode()
    assert live.lstrip().startswith('<div id="board-live"') and "CRITICAL" in live


def test_a_critical_alert_stays_on_the_board_until_acknowledged(chairside, personas, login) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=100)
    dose(session, personas.nurse, minutes_ago=100)
    services.infusion_end(
        session=session, at=timezone.now() - dt.timedelta(minutes=50), actor=personas.nurse
    )
    services.reading_record(
        session=session, values={"spo2": 88}, taken_at=None, actor=personas.nurse
    )
    services.reading_record(
        session=session,
        values=NORMAL | {"moaas": 5},
        dissociation=0,
        taken_at=None,
        actor=personas.nurse,
    )
    services.session_discharge(
        session=session,
        override_reason="Escort arrived at the door; assessed in the lobby by the psychiatrist.",
        actor=personas.psychiatrist,
    )
    live = login(personas.nurse).get(reverse("nurse_board_live")).content.decode()
    assert "SpO2 88 % is critically low" in live and "discharged" in live
    alert = VitalAlert.objects.get(code="SPO2_LOW")
    services.alert_acknowledge(
        alert=alert, action_taken="Chin lift, SpO2 back to 97 % in 1 min", actor=personas.nurse
    )
    live = login(personas.nurse).get(reverse("nurse_board_live")).content.decode()
    assert "SpO2 88" not in live and "No sessions in progress" in live


def test_the_board_costs_the_same_queries_for_one_or_many_sessions(
    personas, login, django_assert_max_num_queries
) -> None:
    running_session(personas, 0)
    nurse = login(personas.nurse)
    nurse.get(reverse("nurse_board_live"))  # warm-up (session, clinic settings)
    with django_assert_max_num_queries(15) as one:  # the page budget (issue 8)
        nurse.get(reverse("nurse_board_live"))
    for index in range(1, 6):
        running_session(personas, index)
    with django_assert_max_num_queries(len(one.captured_queries)) as many:
        response = nurse.get(reverse("nurse_board_live"))
    assert response.content.decode().count("board-card") == 6
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_session_screen_costs_the_same_queries_with_many_readings(
    chairside, personas, login, django_assert_max_num_queries
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=100)
    dose(session, personas.nurse, minutes_ago=100)
    nurse = login(personas.nurse)
    url = reverse("session_record", args=[session.pk])
    nurse.get(url)
    with django_assert_max_num_queries(15) as few:  # the page budget (issue 8)
        nurse.get(url)
    for minutes in range(90, 0, -10):
        services.reading_record(
            session=session,
            values=NORMAL | {"systolic": 165, "moaas": 3},
            taken_at=timezone.now() - dt.timedelta(minutes=minutes),
            actor=personas.nurse,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        nurse.get(url)


def test_nurses_check_patients_in_from_the_arrivals_list(chairside, personas, login) -> None:
    nurse = login(personas.nurse)
    html = nurse.get(reverse("nurse_board")).content.decode()
    assert "Arrivals today" in html and "Check in" in html
    response = nurse.post(reverse("appointment_check_in", args=[chairside.appointment.pk]))
    assert response.status_code == 302
    html = nurse.get(reverse("nurse_board")).content.decode()
    assert "Nobody else is booked today" in html and "Checked in — pre-dose" in html


def test_the_session_screen_shows_its_rarer_parts_within_the_same_budget(
    chairside, personas, login, page_queries
) -> None:
    """Parts most records lack (pause, adverse event, addendum) are read only when
    present; when present they are shown, and the page stays within its budget."""
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=20)
    dose(session, personas.nurse, minutes_ago=20)
    nurse = login(personas.nurse)
    url = reverse("session_record", args=[session.pk])
    bare = nurse.get(url).content.decode()
    assert "Mild headache" not in bare and "Patient asked for a break" not in bare
    services.infusion_pause(
        session=session, at=None, reason="Patient asked for a break", actor=personas.nurse
    )
    services.adverse_event_record(
        session=session,
        event=services.AdverseEventInput(
            kind="headache", severity="mild", onset_at=None, outcome="Mild headache, settled"
        ),
        actor=personas.nurse,
    )
    services.addendum_write(
        session=session, reason="Late entry", text="Mild headache noted by family.",
        actor=personas.nurse,
    )  # fmt: skip
    with page_queries() as statements:
        html = nurse.get(url).content.decode()
    # 16: the dose form asks once whether this location keeps the drug on the ledger.
    assert len(statements) <= 16, statements
    assert "Patient asked for a break" in html
    assert "Mild headache, settled" in html
    assert "Mild headache noted by family." in html


def test_the_board_writes_one_audit_row_per_viewer_every_few_minutes(personas, login) -> None:
    from django.core.cache import cache

    from clinic.models import AuditEvent

    def board_rows() -> int:
        return AuditEvent.objects.filter(object_type="treatment_sessions.nurse_board").count()

    running_session(personas, 0)
    nurse = login(personas.nurse)
    nurse.get(reverse("nurse_board"))
    assert board_rows() == 1  # opening the board always counts
    for _ in range(3):
        nurse.get(reverse("nurse_board_live"))  # the 8-second refreshes
    assert board_rows() == 1
    cache.clear()  # five minutes later
    nurse.get(reverse("nurse_board_live"))
    assert board_rows() == 2
    login(personas.psychiatrist).get(reverse("nurse_board_live"))
    assert board_rows() == 3  # another viewer is another row


def test_an_urgent_alert_from_anywhere_shows_on_the_session_screen_and_the_board(
    chairside, personas, login
) -> None:
    """The screen and the board read the open urgent alert with the session itself; an
    alert raised elsewhere (here a therapist's risk check) shows on both, and clears
    when a psychiatrist acknowledges it."""

    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    nurse = login(personas.nurse)
    url = reverse("session_record", args=[session.pk])
    assert "Urgent safety alert open" not in nurse.get(url).content.decode()
    alert = UrgentAlertFactory(
        patient=session.patient, code="NOTE_RISK_CHECK", source="integration.note",
        reason="Risk check in an integration note: suicidal thoughts",
    )  # fmt: skip
    assert "no dose until a psychiatrist acknowledges it" in nurse.get(url).content.decode()
    assert "Urgent safety alert open" in nurse.get(reverse("nurse_board_live")).content.decode()
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = personas.psychiatrist
    alert.action_note = "Called the patient; safe to proceed today."
    alert.save()
    assert "Urgent safety alert open" not in nurse.get(url).content.decode()
    assert "Urgent safety alert open" not in nurse.get(reverse("nurse_board_live")).content.decode()
