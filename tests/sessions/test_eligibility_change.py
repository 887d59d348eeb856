"""A `declined` or `more_information` decision cancels the patient's future sessions in
the decision's own transaction, tells the patient, and lists them for the coordinator;
the treatment gate refuses to check in or dose a patient who is no longer approved
(session-monitoring.md §1a)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.models import Reminder
from intake.models import Intake
from intake.services import eligibility_decide, evaluation_bp_record
from sessions.models import Appointment, TreatmentSession
from sessions.services import records as services
from tests.factories import AppointmentFactory


def future(chairside, personas, days: int) -> Appointment:
    start = timezone.now() + dt.timedelta(days=days)
    return AppointmentFactory(
        patient=personas.patient_a,
        plan=chairside.plan,
        kind="induction",
        series_number=days + 1,
        chair=chairside.chair,
        start=start,
        end=start + dt.timedelta(minutes=120),
        booked_by=personas.coordinator,
    )


@pytest.mark.parametrize("decision", ["declined", "more_information"])
def test_a_decline_cancels_every_future_session_and_tells_the_patient(
    chairside, personas, login, decision
) -> None:
    later = [future(chairside, personas, days) for days in (2, 5, 9)]
    intake = Intake.objects.get(patient=personas.patient_a)
    extra = (
        {"staff_reason": "New history of psychosis reported by the family."}
        if decision == "declined"
        else {"reopen_steps": ["about-you"], "patient_message": "Please confirm your details."}
    )
    eligibility_decide(intake=intake, actor=personas.psychiatrist, decision=decision, **extra)
    for appointment in later:
        appointment.refresh_from_db()
        assert appointment.status == "cancelled"
        assert appointment.cancel_reason.startswith("Eligibility changed")
    # Today's session (already started) is left to the treatment gate, not cancelled.
    assert Appointment.objects.get(pk=chairside.appointment.pk).status == "scheduled"
    notices = Reminder.objects.filter(patient=personas.patient_a, target__startswith="cancelled:")
    assert notices.count() >= 1
    html = login(personas.coordinator).get(reverse("eligibility_cancellations")).content.decode()
    assert html.count("Eligibility changed") == 3 and "Quillfeather" in html


def test_a_declined_patient_cannot_be_checked_in(chairside, personas) -> None:
    eligibility_decide(
        intake=Intake.objects.get(patient=personas.patient_a),
        actor=personas.psychiatrist,
        decision="declined",
        staff_reason="Recent aneurysm found on imaging.",
    )
    with pytest.raises(ValidationError, match="declined"):
        chairside.open(personas.nurse)
    assert not TreatmentSession.objects.filter(appointment=chairside.appointment).exists()


def test_a_decline_after_check_in_stops_the_dose(chairside, personas) -> None:
    session = chairside.open(personas.nurse)
    eligibility_decide(
        intake=Intake.objects.get(patient=personas.patient_a),
        actor=personas.psychiatrist,
        decision="declined",
        staff_reason="Recent aneurysm found on imaging.",
    )
    reasons = [r.code for r in services.session_gate(session)]
    assert reasons == ["ELIGIBILITY_NOT_APPROVED"]


def test_a_route_the_decision_does_not_allow_is_refused_at_check_in(chairside, personas) -> None:
    decision = personas.patient_a.decisions.get()
    type(decision).objects.filter(pk=decision.pk).update(allowed_routes=["intranasal_esketamine"])
    with pytest.raises(ValidationError, match="does not allow IV"):
        chairside.open(personas.nurse)


def test_the_coordinators_list_is_not_for_nurses(chairside, personas, login) -> None:
    response = login(personas.nurse).get(reverse("eligibility_cancellations"))
    assert response.status_code in (403, 404)


def test_a_new_approval_leaves_the_bookings_alone(chairside, personas) -> None:
    later = future(chairside, personas, 3)
    intake = Intake.objects.get(patient=personas.patient_a)
    evaluation_bp_record(intake=intake, systolic=124, diastolic=80, actor=personas.psychiatrist)
    eligibility_decide(
        intake=Intake.objects.get(patient=personas.patient_a),
        actor=personas.psychiatrist,
        decision="approved",
        routes=["iv"],
    )
    later.refresh_from_db()
    assert later.status == "scheduled"
