"""A nurse runs a session at the chair: check-in, gate, dose, vitals, alerts, discharge,
sign-off. Through the pages as a nurse and psychiatrist would, and through the services
where a rule needs a precise setup."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, ClinicSettings
from intake.models import MeasureResult, ScreeningResult, UrgentAlert
from sessions.models import (
    AdverseEvent,
    Appointment,
    DoseRecord,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.selectors.records import state_of
from sessions.selectors.treatment_gate import current_medicines
from sessions.services import records as services
from tests.factories import AppointmentFactory, PregnancyTestFactory, VitalAlertFactory
from tests.sessions.conftest import make_plan

HX = {"HTTP_HX_REQUEST": "true"}
NORMAL = {"systolic": 128, "diastolic": 82, "heart_rate": 72, "spo2": 98, "resp_rate": 14}
CONFIRMS = ("identity", "fasting", "escort", "no_driving")


def check_in(session: TreatmentSession, nurse, weight: str = "72.4") -> None:
    for item in CONFIRMS:
        services.checkin_record(session=session, item=item, value=True, actor=nurse)
    services.checkin_record(session=session, item="weight_kg", value=weight, actor=nurse)
    services.checkin_medications(
        session=session,
        changes="none",
        medicines=current_medicines(session.patient_id),
        actor=nurse,
    )
    if session.patient.sex_at_birth != "male":
        services.checkin_record(
            session=session, item="pregnancy", value="not_pregnant", actor=nurse
        )
    services.checkin_phq9(
        session=session, items={f"q{n}": 1 for n in range(1, 9)} | {"q9": 0}, actor=nurse
    )
    services.checkin_asq(session=session, items={f"q{n}": 0 for n in range(1, 5)}, actor=nurse)


def ready_to_dose(
    session: TreatmentSession, nurse, dose_minutes_ago: int = 0, **reading
) -> TreatmentSession:
    """Checked in (when the patient arrived, before the dose), with a full pre-dose
    reading 5 minutes before the dose will be given (the gate judges the 30 minutes
    before the dose)."""
    arrived = timezone.now() - dt.timedelta(minutes=dose_minutes_ago + 10)
    TreatmentSession.objects.filter(pk=session.pk, opened_at__gt=arrived).update(opened_at=arrived)
    check_in(session, nurse)
    services.reading_record(
        session=session,
        values=NORMAL | reading,
        taken_at=timezone.now() - dt.timedelta(minutes=dose_minutes_ago + 5),
        actor=nurse,
    )
    return TreatmentSession.objects.get(pk=session.pk)


def dose(session: TreatmentSession, nurse, minutes_ago: int = 0, **kwargs):
    """The dose at the checked-in weight (72.4 kg), drawn up from 10 mg/mL with no waste."""
    values = {
        "started_at": timezone.now() - dt.timedelta(minutes=minutes_ago),
        "lot_number": "KET-1123",
        "lot_expiry": timezone.localdate() + dt.timedelta(days=200),
        "mg_per_kg": Decimal("0.5"),
        "planned_minutes": 40,
        "concentration_mg_per_ml": Decimal("10"),
    }
    values.update(kwargs)
    if "volume_drawn_ml" not in values and values.get("mg_per_kg"):
        total = (Decimal("72.4") * values["mg_per_kg"]).quantize(Decimal("0.1"))
        values["volume_drawn_ml"] = total / 10
    return services.dose_record(session=session, dose=services.DoseInput(**values), actor=nurse)


def page(client, session: TreatmentSession) -> str:
    response = client.get(reverse("session_record", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def act(client, session: TreatmentSession, action: str, data: dict | None = None):
    return client.post(reverse("session_action", args=[session.pk, action]), data or {}, **HX)


def test_a_nurse_runs_an_iv_session_from_check_in_to_co_signature(
    chairside, login, personas, django_capture_on_commit_callbacks
) -> None:
    nurse = login(personas.nurse)
    response = nurse.post(reverse("appointment_check_in", args=[chairside.appointment.pk]))
    session = TreatmentSession.objects.get(appointment=chairside.appointment)
    assert response["Location"] == reverse("session_record", args=[session.pk])
    assert Appointment.objects.get(pk=chairside.appointment.pk).status == "checked_in"
    assert "Before the dose" in page(nurse, session)

    for item in CONFIRMS:
        response = act(nurse, session, "checkin", {"item": item})
        assert "✓ Confirmed by James" in response.content.decode()
    act(nurse, session, "checkin", {"item": "weight_kg", "weight_kg": "72.4"})
    act(nurse, session, "checkin", {"item": "pregnancy", "pregnancy": "not_pregnant"})
    act(nurse, session, "checkin", {"item": "medication_changes", "medication_changes": "None"})
    response = act(nurse, session, "phq9", {f"q{n}": "1" for n in range(1, 10)} | {"q9": "0"})
    assert "Total <strong>8</strong>" in response.content.decode()
    assert MeasureResult.objects.get(patient=personas.patient_a).context == "pre_session"
    assert "Check-in: Pre-session ASQ suicide risk screen not recorded." in page(nurse, session)
    response = act(nurse, session, "asq", {f"asq-q{n}": "0" for n in range(1, 5)})
    assert "✓ Negative" in response.content.decode()

    response = act(nurse, session, "vitals", {k: str(v) for k, v in NORMAL.items()})
    html = response.content.decode()
    assert "✓ Proceed" in html and 'id="gate"' in html and 'hx-swap-oob="true"' in html
    assert "36.2 mg" in page(nurse, session)  # 72.4 kg × 0.5 mg/kg, computed not typed

    response = act(
        nurse,
        session,
        "dose",
        {
            "mg_per_kg": "0.5",
            "planned_minutes": "40",
            "lot_number": "KET-1123",
            "lot_expiry": "2030-01-31",
            "concentration_mg_per_ml": "10",
            "volume_drawn_ml": "3.62",
        },
    )
    assert "36.2 mg" in response.content.decode()
    assert Appointment.objects.get(pk=chairside.appointment.pk).status == "in_session"

    with django_capture_on_commit_callbacks(execute=True):
        response = act(
            nurse,
            session,
            "vitals",
            {"systolic": "182", "diastolic": "100", "heart_rate": "96", "spo2": "97", "moaas": "4"},
        )
    html = response.content.decode()
    assert "CRITICAL:" in html and "Blood pressure 182/100 mmHg is critically high" in html
    # 182 − 128 ≥ 40 over the pre-dose baseline, in words for the nurse.
    assert "Warning: systolic risen well above the pre-dose value" in html
    (message,) = mail.outbox
    assert message.to == [personas.psychiatrist.email]
    assert "critical vital-sign alert" in message.subject.lower()
    # No name and no reading in an email (the session's id in its link may hold "182").
    assert "Quillfeather" not in message.body and not re.search(r"\b182\b", message.body)

    critical = VitalAlert.objects.get(session=session, code="BP_HIGH")
    response = act(nurse, session, "acknowledge", {"alert": critical.pk, "action_taken": "ok"})
    assert "at least 5 characters" in response.content.decode()
    act(
        nurse,
        session,
        "acknowledge",
        {"alert": critical.pk, "action_taken": "Infusion paused 5 min, BP rechecked"},
    )
    assert VitalAlert.objects.get(pk=critical.pk).acknowledged_by == personas.nurse

    response = act(nurse, session, "infusion", {"op": "end"})
    assert "more than 10 % faster than ordered" in response.content.decode()  # 40 min ordered
    dose_row = state_of(session).dose
    dose_row.started_at -= dt.timedelta(minutes=40)  # the infusion has now run its 40 minutes
    dose_row.save(update_fields=["started_at"])
    response = act(nurse, session, "infusion", {"op": "end"})
    assert "Infusion ended" in response.content.decode()
    html = page(nurse, session)
    assert "30 min to go" in html and "Only a psychiatrist" not in html

    response = act(nurse, session, "discharge")
    assert "Not every discharge criterion is met" in response.content.decode()
    assert TreatmentSession.objects.get(pk=session.pk).discharged_at is None

    # Thirty minutes later the observation time is met.
    dose_row = DoseRecord.objects.get(session=session)
    dose_row.started_at -= dt.timedelta(minutes=35)
    dose_row.ended_at -= dt.timedelta(minutes=35)
    dose_row.save(update_fields=["started_at", "ended_at"])
    act(
        nurse,
        session,
        "vitals",
        {
            "systolic": "130",
            "diastolic": "80",
            "heart_rate": "74",
            "spo2": "98",
            "moaas": "5",
            "dissociation": "0",
        },
    )
    for key in ("oriented", "steady_gait", "nausea_controlled", "escort_present"):
        act(nurse, session, "assess", {"item": key, "value": "yes"})
    assert TreatmentSession.objects.get(pk=session.pk).ready_to_leave_at is not None
    response = act(nurse, session, "discharge")
    assert "✓ Discharged at" in response.content.decode()
    assert Appointment.objects.get(pk=chairside.appointment.pk).status == "completed"

    response = act(nurse, session, "sign")  # the box not ticked: nothing is signed
    html = response.content.decode()
    assert "What you sign" in html and "Adverse events: none" in html
    assert f"({session.patient.mrn})" in html
    assert "Tick the box to confirm you reviewed the record." in html
    assert TreatmentSession.objects.get(pk=session.pk).nurse_signed_at is None
    response = act(nurse, session, "sign", {"sign-attest": "on"})
    assert "signed by James" in response.content.decode()
    psychiatrist = login(personas.psychiatrist)
    response = act(psychiatrist, session, "cosign")
    assert "Tick the box to confirm" in response.content.decode()
    assert TreatmentSession.objects.get(pk=session.pk).cosigned_at is None
    response = act(psychiatrist, session, "cosign", {"cosign-attest": "on"})
    assert "the record is locked" in response.content.decode()
    html = page(psychiatrist, session)
    assert "Save vitals" not in html and "Record the dose given" not in html
    assert (
        AuditEvent.objects.filter(
            object_type="treatment_sessions.treatmentsession", action="sign"
        ).count()
        == 2
    )


def test_a_high_pre_dose_bp_holds_the_dose_until_a_psychiatrist_overrides(
    chairside, login, personas
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, systolic=165)
    state = state_of(session)
    assert state.gate.reasons == ("PREDOSE_BP_HIGH",)
    with pytest.raises(ValidationError, match="Pre-dose hold"):
        dose(session, personas.nurse)
    nurse = login(personas.nurse)
    html = page(nurse, session)
    assert "HOLD" in html and "Only a psychiatrist can override" in html
    assert "Override the hold" not in html
    # Words for the nurse; the rule's code in small print for the psychiatrist only.
    assert "Pre-dose blood pressure is 160/100 mmHg or above." in html
    assert "PREDOSE_BP_HIGH" not in html
    with pytest.raises(PermissionDenied):
        services.gate_override(session=session, reason="x" * 30, actor=personas.nurse)

    psychiatrist = login(personas.psychiatrist)
    assert "(PREDOSE_BP_HIGH)" in page(psychiatrist, session)
    response = act(psychiatrist, session, "gate-override", {"override-reason": "fine"})
    assert "at least 20 characters" in response.content.decode()
    act(
        psychiatrist,
        session,
        "gate-override",
        {"override-reason": "Long-standing white-coat hypertension; home readings normal."},
    )
    assert dose(session, personas.nurse).total_mg == Decimal("36.2")


def test_re_measuring_re_runs_the_gate(chairside, personas) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, heart_rate=124)
    assert state_of(session).gate.reasons == ("PREDOSE_HR",)
    services.reading_record(session=session, values=NORMAL, taken_at=None, actor=personas.nurse)
    assert state_of(session).gate.proceed
    assert dose(session, personas.nurse).started_at is not None


def test_esketamine_gate_uses_150_over_90_from_age_65(chairside, personas) -> None:
    patient = personas.patient_a
    patient.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 66)
    patient.save(update_fields=["date_of_birth"])
    plan = make_plan(patient, personas.psychiatrist, "intranasal_esketamine")
    chairside.appointment.plan = plan
    chairside.appointment.save(update_fields=["plan"])
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, systolic=148)
    assert state_of(session).gate.proceed  # 148/82 at 66: below 150/90


def test_implausible_vitals_are_refused_next_to_the_field_and_nothing_is_stored(
    chairside, login, personas
) -> None:
    session = chairside.open(personas.nurse)
    nurse = login(personas.nurse)
    response = act(
        nurse,
        session,
        "vitals",
        {"systolic": "400", "diastolic": "80", "heart_rate": "72", "comment": "arm cuff"},
    )
    html = response.content.decode()
    assert "Systolic blood pressure must be between 50 and 300 mmHg" in html
    assert 'value="arm cuff"' in html and 'value="72"' in html
    response = act(nurse, session, "vitals", {"systolic": "120", "diastolic": "125"})
    assert "Diastolic must be below systolic" in response.content.decode()
    response = act(nurse, session, "vitals", {"comment": "patient in bathroom"})
    assert "Enter at least one vital sign" in response.content.decode()
    response = act(nurse, session, "vitals", {"heart_rate": "80.5"})
    assert "Enter a whole number" in response.content.decode()
    assert not VitalReading.objects.filter(session=session).exists()


def test_a_dose_above_the_order_is_refused_until_a_psychiatrist_amends_it(
    chairside, login, personas
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    nurse = login(personas.nurse)
    response = act(
        nurse,
        session,
        "dose",
        {
            "mg_per_kg": "0.75",
            "planned_minutes": "40",
            "lot_number": "K1",
            "lot_expiry": "2030-01-01",
            "concentration_mg_per_ml": "10",
            "volume_drawn_ml": "5.43",
        },
    )
    html = response.content.decode()
    assert "54.3 mg is above the 36.2 mg ordered" in html and 'value="K1"' in html
    psychiatrist = login(personas.psychiatrist)
    act(
        psychiatrist,
        session,
        "order",
        {
            "order-mg_per_kg": "0.75",
            "order-reason": "Partial response at 0.5 mg/kg after four sessions.",
        },
    )
    record = dose(session, personas.nurse, mg_per_kg=Decimal("0.75"))
    assert record.total_mg == Decimal("54.3")
    assert "amended for this session to 0.75 mg/kg" in record.order_text


def test_waste_is_what_was_drawn_beyond_the_dose_and_needs_a_witness(chairside, personas) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    with pytest.raises(ValidationError) as caught:
        dose(session, personas.nurse, volume_drawn_ml=Decimal("3.0"))
    assert "less than the 36.2 mg dose" in caught.value.message_dict["volume_drawn_ml"][0]
    with pytest.raises(ValidationError) as caught:
        dose(session, personas.nurse, volume_drawn_ml=Decimal("5"))
    assert "13.8 mg will be wasted" in caught.value.message_dict["waste_witness"][0]
    with pytest.raises(ValidationError, match="another staff member"):
        dose(session, personas.nurse, volume_drawn_ml=Decimal("5"), waste_witness=personas.nurse)
    record = dose(
        session, personas.nurse, volume_drawn_ml=Decimal("5"), waste_witness=personas.psychiatrist
    )
    assert record.waste_mg == Decimal("13.8") and record.waste_witness == personas.psychiatrist


def test_an_expired_lot_is_refused_next_to_the_field(chairside, personas) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    with pytest.raises(ValidationError) as caught:
        dose(session, personas.nurse, lot_expiry=timezone.localdate() - dt.timedelta(days=1))
    assert set(caught.value.message_dict) == {"lot_expiry"}


def test_phq9_question_9_raises_the_urgent_alert_and_holds_the_dose(
    chairside, personas, django_capture_on_commit_callbacks
) -> None:
    session = chairside.open(personas.nurse)
    check_in(session, personas.nurse)
    with django_capture_on_commit_callbacks(execute=True):
        services.checkin_phq9(
            session=session, items={f"q{n}": 1 for n in range(1, 10)}, actor=personas.nurse
        )
    alert = UrgentAlert.objects.get(patient=personas.patient_a)
    assert "check-in" in alert.reason and len(mail.outbox) == 1
    services.reading_record(session=session, values=NORMAL, taken_at=None, actor=personas.nurse)
    with pytest.raises(ValidationError, match="urgent suicide-risk alert"):
        dose(session, personas.nurse)
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = personas.psychiatrist
    alert.action_note = "Spoke with patient; safety plan reviewed, proceed."
    alert.save()
    assert dose(session, personas.nurse).total_mg == Decimal("36.2")


def test_pregnancy_reported_today_stops_the_session(chairside, login, personas) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    response = act(
        login(personas.nurse), session, "checkin", {"item": "pregnancy", "pregnancy": "pregnant"}
    )
    assert "the session stops" in response.content.decode()
    with pytest.raises(ValidationError, match="the session stops"):
        dose(session, personas.nurse)


def test_a_serious_event_on_esketamine_is_reportable_and_notifies_the_psychiatrist(
    chairside, personas, django_capture_on_commit_callbacks
) -> None:
    chairside.appointment.plan = make_plan(
        personas.patient_a, personas.psychiatrist, "intranasal_esketamine"
    )
    chairside.appointment.save(update_fields=["plan"])
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=3)
    dose(session, personas.nurse, minutes_ago=3)
    _device, warnings = services.device_record(session=session, given_at=None, actor=personas.nurse)
    assert warnings and "3 min after device 1" in warnings[0]
    with pytest.raises(ValidationError, match="all are recorded"):
        services.device_record(session=session, given_at=None, actor=personas.nurse)
    assert state_of(session).dose.total_mg == Decimal("56")
    with django_capture_on_commit_callbacks(execute=True):
        services.adverse_event_record(
            session=session,
            event=services.AdverseEventInput(
                kind="respiratory_depression",
                severity="serious",
                onset_at=None,
                outcome="SpO2 recovered with stimulation",
            ),
            actor=personas.nurse,
        )
    event = AdverseEvent.objects.get(session=session)
    assert event.rems_reportable
    assert "serious adverse event" in mail.outbox[0].subject.lower()


def finished_session(chairside, personas) -> TreatmentSession:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=120)
    dose(session, personas.nurse, minutes_ago=120)
    services.infusion_end(
        session=session, at=timezone.now() - dt.timedelta(minutes=75), actor=personas.nurse
    )
    services.reading_record(
        session=session,
        values=NORMAL | {"moaas": 5},
        dissociation=0,
        taken_at=None,
        actor=personas.nurse,
    )
    return TreatmentSession.objects.get(pk=session.pk)


def test_only_a_psychiatrist_discharges_with_unmet_criteria_and_says_why(
    chairside, personas
) -> None:
    session = finished_session(chairside, personas)
    status = state_of(session).discharge
    assert [c.code for c in status.unmet] == [
        "ORIENTED",
        "STEADY_GAIT",
        "NAUSEA_CONTROLLED",
        "ESCORT_PRESENT",
    ]
    with pytest.raises(ValidationError, match="Only a psychiatrist"):
        services.session_discharge(session=session, actor=personas.nurse)
    with pytest.raises(ValidationError):
        services.session_discharge(
            session=session, override_reason="ok", actor=personas.psychiatrist
        )
    done = services.session_discharge(
        session=session,
        override_reason="Escort waiting in the car park; nurse walks the patient out.",
        actor=personas.psychiatrist,
    )
    assert "ESCORT_PRESENT" in done.discharge_unmet and done.discharged_at is not None


def lock(session: TreatmentSession, personas) -> TreatmentSession:
    answers = dict.fromkeys(
        ("oriented", "steady_gait", "nausea_controlled", "escort_present"), True
    )
    services.discharge_assess(session=session, answers=answers, actor=personas.nurse)
    esketamine = session.route == "intranasal_esketamine"
    services.session_discharge(
        session=session, rems_ready_minutes=90 if esketamine else None, actor=personas.nurse
    )
    services.session_sign(session=session, actor=personas.nurse)
    return services.session_cosign(session=session, actor=personas.psychiatrist)


def test_a_co_signed_record_cannot_change_through_any_path(chairside, personas, login) -> None:
    session = lock(finished_session(chairside, personas), personas)
    reading = VitalReading.objects.filter(session=session).first()
    with pytest.raises(PermissionError):
        services.reading_record(session=session, values=NORMAL, taken_at=None, actor=personas.nurse)
    reading.systolic = 99
    with pytest.raises(PermissionError):
        reading.save()
    with pytest.raises(PermissionError):
        VitalReading.objects.filter(session=session).update(systolic=99)
    with pytest.raises(PermissionError):
        VitalReading.objects.filter(session=session).delete()
    with pytest.raises(PermissionError):
        TreatmentSession.objects.filter(pk=session.pk).update(discharge_override_reason="x")
    session.oriented = False
    with pytest.raises(PermissionError):
        session.save()
    response = act(login(personas.nurse), session, "vitals", {"systolic": "120"})
    assert "signed and locked" in response.content.decode()
    assert VitalReading.objects.get(pk=reading.pk).systolic == NORMAL["systolic"]
    assert TreatmentSession.objects.get(pk=session.pk).oriented

    nurse = login(personas.nurse)
    act(
        nurse,
        session,
        "addendum",
        {
            "addendum-reason": "Late entry",
            "addendum-text": "Patient reported mild headache at 10:40, resolved.",
        },
    )
    html = page(nurse, session)
    assert "Late entry" in html and "mild headache" in html


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_changes_to_a_locked_record(chairside, personas) -> None:
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.fail("The lock trigger is proven on PostgreSQL; run the suite on PostgreSQL.")
    session = lock(finished_session(chairside, personas), personas)
    for sql in (
        "UPDATE treatment_sessions_vitalreading SET systolic = 99 WHERE session_id = %s",
        "DELETE FROM treatment_sessions_checkinentry WHERE session_id = %s",
        "UPDATE treatment_sessions_treatmentsession SET oriented = false WHERE id = %s",
        "DELETE FROM treatment_sessions_doserecord WHERE session_id = %s",
        "INSERT INTO treatment_sessions_adverseevent (session_id, recorded_by_id, recorded_at, "
        "kind, description, onset_at, severity, medication, medication_dose, infusion_action, "
        "outcome, rems_reportable) SELECT id, opened_by_id, now(), 'nausea', '', now(), 'mild', "
        "'', '', '', '', false FROM treatment_sessions_treatmentsession WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="locked"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [session.pk])
    assert VitalReading.objects.filter(session=session, systolic=99).count() == 0


def test_finishing_the_last_induction_session_moves_the_patient_to_maintenance(
    chairside, personas
) -> None:
    plan = chairside.plan
    # Today's appointment is the last of the series (one patient holds each place once).
    chairside.appointment.series_number = 6
    chairside.appointment.save(update_fields=["series_number"])
    for number in range(1, 6):
        start = chairside.appointment.start - dt.timedelta(days=4 * (6 - number))
        AppointmentFactory(
            patient=personas.patient_a,
            plan=plan,
            kind="induction",
            series_number=number,
            chair=chairside.chair,
            start=start,
            end=start + dt.timedelta(hours=2),
            status="completed",
            booked_by=personas.coordinator,
        )
    session = finished_session(chairside, personas)
    lock(session, personas)
    personas.patient_a.refresh_from_db()
    assert personas.patient_a.journey_state == "maintenance"


def test_one_session_does_not_finish_a_series(chairside, personas) -> None:
    lock(finished_session(chairside, personas), personas)
    personas.patient_a.refresh_from_db()
    assert personas.patient_a.journey_state == "induction"


@pytest.mark.parametrize("persona", ["coordinator", "admin", "patient_a", "other_therapist"])
def test_who_cannot_open_a_session_record(chairside, personas, login, persona) -> None:
    session = chairside.open(personas.nurse)
    user = getattr(personas, persona)
    client = login(user.user if persona == "patient_a" else user)
    response = client.get(reverse("session_record", args=[session.pk]))
    assert response.status_code in (403, 404)
    assert "Quillfeather" not in response.content.decode()


def test_the_therapist_reads_a_caseload_session_without_any_form(
    chairside, personas, login
) -> None:
    session = chairside.open(personas.nurse)
    html = page(login(personas.therapist), session)
    assert "Quillfeather" in html and "<form" not in html.split("<main", 1)[1].split("</main>")[0]
    assert AuditEvent.objects.filter(
        user=personas.therapist, action="view", object_type="treatment_sessions.treatmentsession"
    ).exists()
    response = act(login(personas.therapist), session, "vitals", {"systolic": "120"})
    assert response.status_code in (403, 404)


def test_only_today_s_scheduled_appointments_can_be_checked_in(chairside, personas) -> None:
    appointment = chairside.appointment
    appointment.start += dt.timedelta(days=2)
    appointment.end += dt.timedelta(days=2)
    appointment.save(update_fields=["start", "end"])
    with pytest.raises(ValidationError, match="today"):
        chairside.open(personas.nurse)
    with pytest.raises(PermissionDenied):
        chairside.open(personas.coordinator)


def test_entries_cannot_be_in_the_future_or_days_back(chairside, personas) -> None:
    session = chairside.open(personas.nurse)
    for when in (timezone.now() + dt.timedelta(minutes=10), timezone.now() - dt.timedelta(hours=8)):
        with pytest.raises(ValidationError) as caught:
            services.reading_record(
                session=session, values=NORMAL, taken_at=when, actor=personas.nurse
            )
        assert "taken_at" in caught.value.message_dict


def test_vitals_become_overdue_fifteen_minutes_after_the_last_reading(chairside, personas) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=20)
    dose(session, personas.nurse, minutes_ago=20)
    due = state_of(session).due
    assert due.overdue and due.label == "15-minute check"
    services.reading_record(session=session, values=NORMAL, taken_at=None, actor=personas.nurse)
    assert not state_of(session).due.overdue


def test_the_rems_list_shows_days_left_and_drops_submitted_forms(
    chairside, personas, login
) -> None:
    chairside.appointment.plan = make_plan(
        personas.patient_a, personas.psychiatrist, "intranasal_esketamine"
    )
    chairside.appointment.save(update_fields=["plan"])
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=130)
    dose(session, personas.nurse, minutes_ago=130)
    services.device_record(
        session=session, given_at=timezone.now() - dt.timedelta(minutes=124), actor=personas.nurse
    )
    services.reading_record(  # the 40-minute check after the first device
        session=session,
        values=NORMAL,
        taken_at=timezone.now() - dt.timedelta(minutes=90),
        actor=personas.nurse,
    )
    services.reading_record(
        session=session,
        values=NORMAL | {"moaas": 5},
        dissociation=0,
        taken_at=None,
        actor=personas.nurse,
    )
    ClinicSettings.objects.filter(pk=1).update(
        address="12 Harbor Street, Boston MA 02110", phone="+16175550100"
    )
    lock(TreatmentSession.objects.get(pk=session.pk), personas)
    nurse = login(personas.nurse)
    html = nurse.get(reverse("rems_forms_due")).content.decode()
    assert "7 days left" in html and "Quillfeather" in html
    html = nurse.get(reverse("session_rems", args=[session.pk])).content.decode()
    assert "RP-1234567" in html and "56 mg" in html and "128/82 mmHg" in html
    assert "the record does not hold" not in html
    response = nurse.post(
        reverse("session_rems", args=[session.pk]),
        {"submitted_on": timezone.localdate().isoformat(), "confirmation": "R-77"},
    )
    assert response.status_code == 302
    assert "No REMS forms due" in nurse.get(reverse("rems_forms_due")).content.decode()


def test_psychiatrists_find_signed_records_to_co_sign(chairside, personas, login) -> None:
    session = finished_session(chairside, personas)
    answers = dict.fromkeys(("oriented", "steady_gait", "nausea_controlled", "escort_present"),
                            True)  # fmt: skip
    services.discharge_assess(session=session, answers=answers, actor=personas.nurse)
    services.session_discharge(session=session, actor=personas.nurse)
    services.session_sign(session=session, actor=personas.nurse)
    html = login(personas.psychiatrist).get(reverse("cosign_queue")).content.decode()
    assert "Alice Quillfeather" in html and reverse("session_record", args=[session.pk]) in html
    services.session_cosign(session=session, actor=personas.psychiatrist)
    html = login(personas.psychiatrist).get(reverse("cosign_queue")).content.decode()
    assert "Nothing to co-sign" in html


def test_the_patient_sessions_page_links_to_the_record_for_clinical_staff_only(
    chairside, personas, login
) -> None:
    url = reverse("patient_sessions", args=[personas.patient_a.pk])
    html = login(personas.nurse).get(url).content.decode()
    assert "Check in" in html
    session = chairside.open(personas.nurse)
    record = reverse("session_record", args=[session.pk])
    assert record in login(personas.therapist).get(url).content.decode()
    assert record not in login(personas.coordinator).get(url).content.decode()


def test_the_admin_site_offers_no_way_to_edit_session_records() -> None:
    from clinic.admin import clinic_admin_site as site

    registered = {model._meta.label for model in site._registry}
    configuration = {  # the clinic's settings, not anybody's record
        "treatment_sessions.Protocol",
        "treatment_sessions.SessionSafetySettings",
        "treatment_sessions.RemsFormVersion",
    }
    assert {label for label in registered if label.startswith("treatment_sessions.")} == (
        configuration
    )


GARBAGE = {
    "checkin": {"item": "weight_kg", "weight_kg": "seventy"},
    "phq9": {"q1": "9", "q9": "x"},
    "vitals": {"systolic": "1e999", "temperature_c": "hot", "moaas": "7", "taken_at": "25:99"},
    "gate-override": {"override-reason": "<script>alert(1)</script>"},
    "order": {"order-mg_per_kg": "99.999", "order-reason": "x" * 5000},
    "dose": {"mg_per_kg": "-1", "lot_expiry": "yesterday", "planned_minutes": "9" * 30},
    "device": {"device-at": "noon"},
    "infusion": {"op": "explode"},
    "adverse-event": {"event-kind": "zombie", "event-severity": "???", "event-onset_at": "x"},
    "acknowledge": {"alert": "abc", "action_taken": ""},
    "assess": {"item": "__class__", "value": "yes"},
    "discharge": {"discharge-override_reason": "\x00" * 10},
    "sign": {},
    "cosign": {},
    "addendum": {"addendum-reason": "", "addendum-text": "é" * 10000},
    "in-error": {"entry": "reading:1:2", "reason": "\x00" * 400},
    "unknown-action": {},
}


@pytest.mark.parametrize("action", sorted(GARBAGE))
def test_garbage_on_any_action_is_refused_clearly_never_a_500(
    chairside, personas, login, action
) -> None:
    session = chairside.open(personas.nurse)
    for client in (login(personas.nurse), login(personas.psychiatrist)):
        response = act(client, session, action, GARBAGE[action])
        assert response.status_code in (200, 302, 403, 404), response.status_code
        response = client.post(
            reverse("session_action", args=[session.pk, action]), GARBAGE[action]
        )
        assert response.status_code in (200, 302, 403, 404), response.status_code
    assert not VitalReading.objects.filter(session=session).exists()


def test_an_acute_positive_asq_at_check_in_stops_the_dose_until_a_psychiatrist_assesses(
    chairside, personas, login, django_capture_on_commit_callbacks
) -> None:
    session = chairside.open(personas.nurse)
    for item in CONFIRMS:
        services.checkin_record(session=session, item=item, value=True, actor=personas.nurse)
    nurse = login(personas.nurse)
    response = act(nurse, session, "asq", {"asq-q1": "1", "asq-q2": "0", "asq-q3": "0",
                                           "asq-q4": "0"})  # fmt: skip
    assert "After a yes, ask question 5" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(nurse, session, "asq", {"asq-q1": "1", "asq-q2": "0", "asq-q3": "1",
                                               "asq-q4": "0", "asq-q5": "1"})  # fmt: skip
    html = response.content.decode()
    assert "Acute positive ASQ" in html and "988" in html
    alert = UrgentAlert.objects.get(patient=personas.patient_a, code="SUICIDE_RISK_ACUTE")
    assert "acute positive" in alert.reason and len(mail.outbox) == 1
    assert "urgent suicide-risk alert" in page(nurse, session)
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = personas.psychiatrist
    alert.action_note = "Assessed in person: no plan or intent now; safety plan, proceed."
    alert.save()
    assert "urgent suicide-risk alert" not in page(nurse, session)


def test_a_new_maoi_at_check_in_re_runs_the_medication_rules_for_the_psychiatrist(
    chairside, personas, login
) -> None:
    session = chairside.open(personas.nurse)
    nurse = login(personas.nurse)
    response = act(
        nurse,
        session,
        "checkin",
        {
            "item": "medication_changes",
            "medication_changes": "Started phenelzine 15 mg last week (outside psychiatrist).",
            "maoi": "on",
        },
    )
    assert "takes: MAO inhibitor" in response.content.decode()
    screening = ScreeningResult.objects.filter(intake__patient=personas.patient_a).first()
    assert screening.trigger == "medications" and "MAOI" in screening.flag_codes
    html = page(nurse, session)
    assert "New since the eligibility decision" in html
    assert "Takes an MAO inhibitor" in html
    assert current_medicines(personas.patient_a.pk)["maoi"] is True


def test_a_dose_time_before_check_in_is_refused(chairside, personas) -> None:
    """Otherwise a mistyped time starts the observation clock (the esketamine 120 minutes
    included) before the patient was there."""
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)
    opened = TreatmentSession.objects.get(pk=session.pk).opened_at
    with pytest.raises(ValidationError) as caught:
        dose(session, personas.nurse, minutes_ago=int((timezone.now() - opened).seconds / 60) + 5)
    assert "before the patient was checked in" in caught.value.message_dict["started_at"][0]


def test_the_infusion_rate_is_judged_against_the_order_not_the_minutes_typed(
    chairside, personas
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=33)
    dose(session, personas.nurse, minutes_ago=33, planned_minutes=36)  # 10 % under the 40
    with pytest.raises(ValidationError, match="faster than ordered"):
        services.infusion_end(session=session, at=None, actor=personas.nurse)


def test_an_event_cannot_stop_a_running_infusion_without_the_stop_record(
    chairside, personas
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=10)
    dose(session, personas.nurse, minutes_ago=10)
    with pytest.raises(ValidationError) as caught:
        services.adverse_event_record(
            session=session,
            event=services.AdverseEventInput(
                kind="hypertension", severity="moderate", onset_at=None, infusion_action="stopped"
            ),
            actor=personas.nurse,
        )
    assert "Infusion stopped early" in caught.value.message_dict["infusion_action"][0]
    assert state_of(TreatmentSession.objects.get(pk=session.pk)).dose.ended_at is None


def test_a_positive_pregnancy_test_blocks_until_a_later_negative_one(chairside, personas) -> None:
    from sessions.models import PregnancyTest

    personas.patient_a.date_of_birth = dt.date(1990, 5, 4)  # of child-bearing age
    personas.patient_a.save(update_fields=["date_of_birth"])
    PregnancyTest.objects.filter(patient=personas.patient_a).delete()
    PregnancyTestFactory(
        patient=personas.patient_a,
        tested_on=timezone.localdate() - dt.timedelta(days=10),
        kind="serum",
        result="positive",
        recorded_by=personas.nurse,
    )
    with pytest.raises(ValidationError, match="Positive pregnancy test"):
        chairside.open(personas.nurse)  # ten days old, and still a positive test
    PregnancyTestFactory(
        patient=personas.patient_a,
        tested_on=timezone.localdate(),
        kind="serum",
        result="negative",
        recorded_by=personas.nurse,
    )
    session = chairside.open(personas.nurse)
    assert "PREGNANCY_POSITIVE" not in [r.code for r in services.session_gate(session)]


def discharge_and_sign(session: TreatmentSession, signer) -> TreatmentSession:
    answers = dict.fromkeys(
        ("oriented", "steady_gait", "nausea_controlled", "escort_present"), True
    )
    services.discharge_assess(session=session, answers=answers, actor=signer)
    services.session_discharge(session=session, actor=signer)
    return services.session_sign(session=session, actor=signer)


def test_the_psychiatrist_who_signed_cannot_also_co_sign(chairside, personas, login) -> None:
    session = discharge_and_sign(finished_session(chairside, personas), personas.psychiatrist)
    response = act(login(personas.psychiatrist), session, "cosign", {"cosign-attest": "on"})
    assert "another psychiatrist co-signs" in response.content.decode()
    with pytest.raises(ValidationError, match="another psychiatrist co-signs"):
        services.session_cosign(session=session, actor=personas.psychiatrist)
    assert TreatmentSession.objects.get(pk=session.pk).cosigned_at is None
    from tests.factories import StaffFactory

    colleague = StaffFactory(roles=["psychiatrist"])
    assert services.session_cosign(session=session, actor=colleague).cosigned_by == colleague


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_co_signature_by_the_signer(chairside, personas) -> None:
    from django.db import IntegrityError, connection

    assert connection.vendor == "postgresql", "The check constraint is proven on PostgreSQL"
    session = discharge_and_sign(finished_session(chairside, personas), personas.nurse)
    with pytest.raises(IntegrityError, match="session_cosigned_by_another_person"):
        TreatmentSession.objects.filter(pk=session.pk).update(
            cosigned_at=timezone.now(), cosigned_by=personas.nurse
        )


def test_a_signed_record_takes_no_alert_acknowledgement_only_an_addendum(
    chairside, personas, login
) -> None:
    session = finished_session(chairside, personas)
    warning = VitalAlertFactory(
        session=session,
        reading=VitalReading.objects.filter(session=session).last(),
        code="HR_HIGH",
        level="warning",
        message="Heart rate high",
        recorded_by=personas.nurse,
    )
    session = discharge_and_sign(session, personas.nurse)
    nurse = login(personas.nurse)
    response = act(
        nurse, session, "acknowledge", {"alert": warning.pk, "action_taken": "Rechecked, settled"}
    )
    assert "The nurse has signed this record; add an addendum instead." in (
        response.content.decode()
    )
    assert VitalAlert.objects.get(pk=warning.pk).acknowledged_at is None
    act(
        nurse,
        session,
        "addendum",
        {"addendum-reason": "Late entry", "addendum-text": "Heart rate alert rechecked, settled."},
    )
    assert "Heart rate alert rechecked" in page(nurse, session)


# Writes that come after the nurse's signature: the co-signature and an addendum (the
# REMS submission is a separate record of filing the form, made after co-signing).
AFTER_SIGNATURE = {"session_open", "session_cosign", "addendum_write", "rems_submission_record"}


def test_every_other_write_to_a_session_record_goes_through_the_signature_lock() -> None:
    import ast
    import inspect

    from sessions.services import (
        adverse_events,
        checkin,
        corrections,
        discharge,
        dose,
        infusion,
        rems,
        signoff,
        vitals,
    )

    # A write opens its transaction with `record_change` (which takes the lock) or with
    # `atomic` and then `lock_for_write`.
    functions = [
        function
        for module in (
            checkin,
            vitals,
            dose,
            infusion,
            adverse_events,
            discharge,
            corrections,
            signoff,
            rems,
        )
        for function in ast.parse(inspect.getsource(module)).body
    ]
    unguarded = []
    for function in functions:
        if not isinstance(function, ast.FunctionDef) or function.name.startswith("_"):
            continue
        calls = {
            node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            for node in ast.walk(function)
            if isinstance(node, ast.Call)
        }
        if "atomic" in calls and "lock_for_write" not in calls:
            unguarded.append(function.name)
    assert sorted(unguarded) == sorted(AFTER_SIGNATURE)
