"""A nurse ends a checked-in session without a dose (the gate held, the patient declined
or felt unwell): the reason is written, everything charted stays, the appointment is
cancelled with a reason, the chair is free, the board drops it, and the record is signed
and co-signed as usual."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, Reminder
from sessions.models import (
    Appointment,
    AppointmentStatus,
    CheckInEntry,
    TreatmentSession,
    VitalReading,
)
from sessions.models.vitals import AlertLevel
from sessions.services import records as services
from sessions.services.discharge import session_discharge
from sessions.services.no_dose import NOT_DOSED_PREFIX, session_end_without_dose
from sessions.services.record_change import ENDED_WITHOUT_DOSE
from sessions.services.signoff import session_cosign, session_sign
from sessions.services.vitals import alert_acknowledge
from tests.factories import AppointmentFactory, ReminderFactory, VitalAlertFactory
from tests.sessions.test_session_record import NORMAL, act, check_in, dose, page, ready_to_dose

REASON = "BP 172/104 on re-measure after 15 minutes; dose held, rebook next week."


def held(chairside, personas) -> TreatmentSession:
    """Checked in, with a pre-dose reading the gate holds the dose on."""
    session = chairside.open(personas.nurse)
    check_in(session, personas.nurse)
    services.reading_record(
        session=session,
        values=NORMAL | {"systolic": 172, "diastolic": 104},
        taken_at=timezone.now(),
        actor=personas.nurse,
    )
    return TreatmentSession.objects.get(pk=session.pk)


def end(session, actor, reason: str = REASON) -> TreatmentSession:
    return session_end_without_dose(session=session, reason=reason, actor=actor)


# --- The service -------------------------------------------------------------------------


def test_the_nurse_ends_a_held_session_and_everything_charted_stays(chairside, personas) -> None:
    session = held(chairside, personas)
    entries = CheckInEntry.objects.filter(session=session).count()
    before = AuditEvent.objects.count()
    session = end(session, personas.nurse)
    session.refresh_from_db()
    assert session.ended_without_dose_at is not None
    assert session.ended_without_dose_by == personas.nurse
    assert session.ended_without_dose_reason == REASON
    assert session.discharged_at is None  # no discharge: there was no dose
    # Everything charted stays on the record.
    assert CheckInEntry.objects.filter(session=session).count() == entries
    assert VitalReading.objects.filter(session=session).count() == 1
    appointment = Appointment.objects.get(pk=chairside.appointment.pk)
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == f"{NOT_DOSED_PREFIX}: {REASON}"
    assert appointment.status_changed_by == personas.nurse
    rows = AuditEvent.objects.order_by("id")[before:]
    assert {row.object_type for row in rows} >= {
        "treatment_sessions.treatmentsession",
        "treatment_sessions.appointment",
    }
    assert all(row.user_id == personas.nurse.pk for row in rows)


def test_the_chair_is_free_again_and_the_series_does_not_count_it(chairside, personas) -> None:
    end(held(chairside, personas), personas.nurse)
    booked = chairside.appointment
    other = AppointmentFactory(  # the same chair, the same time: allowed once cancelled
        chair=chairside.chair, start=booked.start, end=booked.end, booked_by=personas.coordinator
    )
    assert other.pk
    assert not Appointment.objects.filter(
        patient=booked.patient, status=AppointmentStatus.COMPLETED
    ).exists()


def test_no_cancellation_message_the_patient_is_at_the_chair(chairside, personas) -> None:
    session = held(chairside, personas)
    pending = ReminderFactory(
        kind="session_reminder",
        target=f"appointment:{chairside.appointment.pk}/patient:1/sms",
        channel="sms",
        address="+16175550134",
        patient=chairside.appointment.patient,
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    rows = Reminder.objects.count()
    end(session, personas.nurse)
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    assert Reminder.objects.count() == rows  # no cancellation notice is planned


def test_a_psychiatrist_may_end_it_too(chairside, personas) -> None:
    session = end(held(chairside, personas), personas.psychiatrist)
    assert session.ended_without_dose_by == personas.psychiatrist


@pytest.mark.parametrize("persona", ["coordinator", "therapist", "admin"])
def test_roles_that_do_not_record_the_session_cannot_end_it(chairside, personas, persona) -> None:
    session = held(chairside, personas)
    with pytest.raises(PermissionDenied):
        end(session, getattr(personas, persona))
    session.refresh_from_db()
    assert session.ended_without_dose_at is None


@pytest.mark.parametrize("reason", ["", "   ", "Declined."])
def test_the_reason_is_required_next_to_its_field(chairside, personas, reason) -> None:
    session = held(chairside, personas)
    with pytest.raises(ValidationError) as refusal:
        end(session, personas.nurse, reason)
    assert "reason" in refusal.value.message_dict
    session.refresh_from_db()
    assert session.ended_without_dose_at is None
    assert Appointment.objects.get(pk=chairside.appointment.pk).status == "checked_in"


def test_a_recorded_dose_means_discharge_instead(chairside, personas) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    dose(session, personas.nurse)
    with pytest.raises(ValidationError, match="A dose is recorded: discharge the patient"):
        end(session, personas.nurse)


def test_a_session_ends_once_a_second_call_is_refused_politely(chairside, personas) -> None:
    session = end(held(chairside, personas), personas.nurse)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="already ended without a dose"):
        end(session, personas.nurse, "Another reason, typed on a second tablet.")
    session.refresh_from_db()
    assert session.ended_without_dose_reason == REASON
    assert AuditEvent.objects.count() == before


def test_an_open_critical_alert_is_acknowledged_first(chairside, personas) -> None:
    session = held(chairside, personas)
    alert = VitalAlertFactory(session=session, level=AlertLevel.CRITICAL, code="BP_CRITICAL")
    with pytest.raises(ValidationError, match="Acknowledge every critical alert"):
        end(session, personas.nurse)
    alert_acknowledge(alert=alert, action_taken="Re-measured, settled, doctor told.",
                      actor=personas.nurse)  # fmt: skip
    assert end(session, personas.nurse).ended_without_dose_at is not None


def test_a_warning_left_open_is_still_acknowledged_until_the_record_is_signed(
    chairside, personas
) -> None:
    session = held(chairside, personas)
    warning = VitalAlertFactory(session=session, level=AlertLevel.WARNING, code="HR_HIGH")
    end(session, personas.nurse)
    done = alert_acknowledge(
        alert=warning, action_taken="Heart rate settled at rest.", actor=personas.nurse
    )
    assert done.acknowledged_at is not None and done.acknowledged_by == personas.nurse
    session_sign(session=session, actor=personas.nurse)
    later = VitalAlertFactory(session=session, level=AlertLevel.WARNING, code="HR_HIGH")
    with pytest.raises(ValidationError, match="signed"):
        alert_acknowledge(alert=later, action_taken="Too late to chart.", actor=personas.nurse)


def test_nothing_more_is_charted_after_the_end(chairside, personas) -> None:
    session = end(held(chairside, personas), personas.nurse)
    with pytest.raises(ValidationError, match=ENDED_WITHOUT_DOSE):
        dose(session, personas.nurse)
    with pytest.raises(ValidationError, match=ENDED_WITHOUT_DOSE):
        services.reading_record(
            session=session, values=NORMAL, taken_at=timezone.now(), actor=personas.nurse
        )
    with pytest.raises(ValidationError, match=ENDED_WITHOUT_DOSE):
        session_discharge(session=session, actor=personas.psychiatrist)


def test_the_record_is_signed_and_co_signed_without_a_discharge(chairside, personas) -> None:
    session = end(held(chairside, personas), personas.nurse)
    session = session_sign(session=session, actor=personas.nurse)
    assert session.nurse_signed_by == personas.nurse
    session = session_cosign(session=session, actor=personas.psychiatrist)
    assert session.is_locked


def test_signing_still_needs_the_end_of_the_session(chairside, personas) -> None:
    session = held(chairside, personas)
    with pytest.raises(ValidationError, match="before signing"):
        session_sign(session=session, actor=personas.nurse)


# --- The page ----------------------------------------------------------------------------

FORM = 'name="nodose-reason"'


def test_the_nurse_sees_the_form_the_therapist_does_not(chairside, personas, login) -> None:
    session = held(chairside, personas)
    html = page(login(personas.nurse), session)
    assert "End without a dose" in html and FORM in html
    assert FORM not in page(login(personas.therapist), session)
    response = login(personas.coordinator).get(reverse("session_record", args=[session.pk]))
    assert response.status_code in (403, 404)
    assert FORM not in response.content.decode()


def test_no_form_once_a_dose_is_recorded(chairside, personas, login) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    dose(session, personas.nurse)
    assert FORM not in page(login(personas.nurse), session)


@pytest.mark.parametrize("htmx", [True, False])
def test_posting_without_a_reason_shows_the_error_and_keeps_the_page(
    chairside, personas, login, htmx
) -> None:
    session = held(chairside, personas)
    nurse = login(personas.nurse)
    data = {"nodose-reason": "Declined."}
    url = reverse("session_action", args=[session.pk, "end-without-dose"])
    response = act(nurse, session, "end-without-dose", data) if htmx else nurse.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write the reason (at least 20 characters)." in html
    assert "Declined.</textarea>" in html  # what was typed is kept
    response = act(nurse, session, "end-without-dose", {"nodose-reason": ""})
    assert "Write why the session ends without a dose." in response.content.decode()
    session.refresh_from_db()
    assert session.ended_without_dose_at is None


def test_posting_with_a_reason_ends_it_and_the_board_drops_it(chairside, personas, login) -> None:
    session = held(chairside, personas)
    nurse = login(personas.nurse)
    board = nurse.get(reverse("nurse_board")).content.decode()
    assert reverse("session_record", args=[session.pk]) in board
    coordinator = login(personas.coordinator)
    assert "calendar-block" in coordinator.get(reverse("calendar_day")).content.decode()
    url = reverse("session_action", args=[session.pk, "end-without-dose"])
    response = nurse.post(url, {"nodose-reason": REASON})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.ended_without_dose_at is not None
    html = page(nurse, session)
    assert "Ended without a dose at" in html and REASON in html
    assert FORM not in html
    assert "Sign the session record" in html
    assert 'name="systolic"' not in html  # nothing more is charted
    board = nurse.get(reverse("nurse_board")).content.decode()
    assert reverse("session_record", args=[session.pk]) not in board
    # A double submit is refused politely; nothing changes.
    response = act(nurse, session, "end-without-dose", {"nodose-reason": REASON + " again"})
    assert response.status_code == 200
    assert "already ended without a dose" in response.content.decode()
    session.refresh_from_db()
    assert session.ended_without_dose_reason == REASON
    # The patient's sessions list shows it cancelled, with the reason.
    listing = nurse.get(reverse("patient_sessions", args=[session.patient_id]))
    assert f"{NOT_DOSED_PREFIX}: {REASON}" in listing.content.decode()
    # The day calendar treats it as any cancelled booking: the chair's slot is free.
    calendar = coordinator.get(reverse("calendar_day")).content.decode()
    assert "calendar-block" not in calendar
    # Signed from the page.
    response = nurse.post(
        reverse("session_action", args=[session.pk, "sign"]), {"sign-attest": "on"}
    )
    session.refresh_from_db()
    assert session.nurse_signed_at is not None


def test_with_htmx_the_whole_page_is_loaded_again_every_entry_form_closed(
    chairside, personas, login
) -> None:
    session = held(chairside, personas)
    response = act(login(personas.nurse), session, "end-without-dose", {"nodose-reason": REASON})
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"


def test_the_record_page_keeps_its_query_budget(
    chairside, personas, login, django_assert_max_num_queries
) -> None:
    """The pre-dose page (the treatment gate's reads included) costs what it cost before
    the form was added (27 queries on main, plus one: whether the location keeps the drug
    on the controlled-substance ledger, which decides the dose form's lot field), and the
    ended record no more than that."""
    session = held(chairside, personas)
    nurse = login(personas.nurse)
    url = reverse("session_record", args=[session.pk])
    nurse.get(url)
    with django_assert_max_num_queries(28) as pre_dose:
        nurse.get(url)
    budget = len(pre_dose.captured_queries)
    assert budget > 0
    end(session, personas.nurse)
    nurse.get(url)
    with django_assert_max_num_queries(budget):
        nurse.get(url)
