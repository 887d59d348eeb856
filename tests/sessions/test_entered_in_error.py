"""A reading, a device time or an adverse event entered in error (issue 15, 2): marked by
its author or a psychiatrist before signing, with a reason, never deleted; struck through on
the page and in the PDF; no rule, chart or form counts it. After signing, an addendum."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from clinic.selectors import clinic_settings
from sessions.charts import vitals_chart
from sessions.models import (
    AdverseEvent,
    DeviceDose,
    DoseRecord,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.selectors.records import state_of
from sessions.selectors.rems import _values
from sessions.services import records as services
from tests.factories import ChairFactory, StaffFactory
from tests.sessions.conftest import book_now, make_plan
from tests.sessions.test_session_documents import generate
from tests.sessions.test_session_record import (
    NORMAL,
    act,
    discharge_and_sign,
    dose,
    finished_session,
    lock,
    page,
    ready_to_dose,
)

TYPO = {"systolic": 300, "diastolic": 20, "heart_rate": 72, "spo2": 98}
REASON = "Typo: BP was 130/80, typed 300/20"

ago = lambda minutes: timezone.now() - dt.timedelta(minutes=minutes)  # noqa: E731


def typo_after_dose(chairside, personas) -> tuple[TreatmentSession, VitalReading]:
    """A finished IV session whose newest reading is the typo BP 300/20 (critical)."""
    session = finished_session(chairside, personas)
    typo = services.reading_record(
        session=session, values=TYPO | {"moaas": 5}, taken_at=None, actor=personas.nurse
    )
    return TreatmentSession.objects.get(pk=session.pk), typo


def fresh(session: TreatmentSession):
    return state_of(TreatmentSession.objects.get(pk=session.pk))


def test_the_author_marks_a_typo_entered_in_error_and_its_critical_alert_closes(
    chairside, personas
) -> None:
    session, typo = typo_after_dose(chairside, personas)
    before = fresh(session)
    assert [a.code for a in before.open_critical] == ["BP_HIGH"]
    assert not before.discharge.ready
    assert {c.code for c in before.discharge.unmet} >= {"BP_ACCEPTABLE", "NO_OPEN_CRITICAL_ALERT"}

    marked = services.reading_mark_entered_in_error(
        actor=personas.nurse, reading=typo, reason=f"  {REASON} "
    )

    assert marked.entered_in_error_by == personas.nurse
    assert marked.entered_in_error_reason == REASON
    assert VitalReading.objects.filter(pk=typo.pk).exists()  # never deleted
    alerts = VitalAlert.objects.filter(reading=typo)
    assert {a.code for a in alerts} == {"BP_HIGH", "BP_RISE"}
    for alert in alerts:
        assert alert.acknowledged_at is not None and alert.acknowledged_by == personas.nurse
        assert alert.action_taken == f"Closed: the reading was entered in error ({REASON})"
    state = fresh(session)
    assert state.open_critical == [] and state.open_alerts == []
    assert typo.pk not in [r.pk for r in state.readings]
    assert [r.pk for r in state.readings_log if r.struck] == [typo.pk]
    # The discharge check judges the last valid set again (the normal one).
    unmet = {c.code for c in state.discharge.unmet}
    assert not unmet & {"BP_ACCEPTABLE", "NO_ALERT_LAST_SET", "NO_OPEN_CRITICAL_ALERT"}
    # The chart leaves it out.
    chart = vitals_chart(state.readings, dose_started_at=state.dose_started_at, zone=dt.UTC)
    assert 300 not in [value for line in chart.lines for _x, _y, value in line.dots]
    audit = AuditEvent.objects.filter(
        action="amend", object_type="treatment_sessions.vitalreading", object_id=str(typo.pk)
    )
    assert audit.count() == 1 and audit.get().user == personas.nurse


def test_marking_twice_changes_nothing(chairside, personas) -> None:
    _session, typo = typo_after_dose(chairside, personas)
    first = services.reading_mark_entered_in_error(
        actor=personas.nurse, reading=typo, reason=REASON
    )
    second = services.reading_mark_entered_in_error(
        actor=personas.psychiatrist, reading=typo, reason="A second click, another reason"
    )
    assert second.entered_in_error_at == first.entered_in_error_at
    assert second.entered_in_error_by == personas.nurse
    assert second.entered_in_error_reason == REASON
    assert AuditEvent.objects.filter(action="amend", object_id=str(typo.pk)).count() == 1


def test_another_nurse_cannot_mark_it_a_psychiatrist_can(chairside, personas) -> None:
    _session, typo = typo_after_dose(chairside, personas)
    colleague = StaffFactory(roles=["nurse"])
    with pytest.raises(PermissionDenied, match="person who recorded"):
        services.reading_mark_entered_in_error(actor=colleague, reading=typo, reason=REASON)
    with pytest.raises(PermissionDenied):
        services.reading_mark_entered_in_error(
            actor=personas.therapist, reading=typo, reason=REASON
        )
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None
    assert not VitalAlert.objects.filter(reading=typo, acknowledged_at__isnull=False).exists()

    marked = services.reading_mark_entered_in_error(
        actor=personas.psychiatrist, reading=typo, reason=REASON
    )
    assert marked.entered_in_error_by == personas.psychiatrist


@pytest.mark.parametrize("reason", ["", "   ", "typo", "x" * 301])
def test_a_reason_is_required(chairside, personas, reason) -> None:
    _session, typo = typo_after_dose(chairside, personas)
    with pytest.raises(ValidationError) as error:
        services.reading_mark_entered_in_error(actor=personas.nurse, reading=typo, reason=reason)
    assert "reason" in error.value.message_dict
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None


def test_after_signing_it_is_refused_and_the_addendum_names_the_entry(
    chairside, personas, login
) -> None:
    session = finished_session(chairside, personas)
    typo = services.reading_record(
        session=session,
        values=NORMAL | {"systolic": 138, "moaas": 5},
        dissociation=0,
        taken_at=None,
        actor=personas.nurse,
    )
    session = discharge_and_sign(TreatmentSession.objects.get(pk=session.pk), personas.nurse)
    with pytest.raises(ValidationError, match="addendum"):
        services.reading_mark_entered_in_error(actor=personas.nurse, reading=typo, reason=REASON)
    session = services.session_cosign(session=session, actor=personas.psychiatrist)
    with pytest.raises(ValidationError, match="Entry entered in error"):
        services.reading_mark_entered_in_error(
            actor=personas.psychiatrist, reading=typo, reason=REASON
        )
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None

    # As before signing: another nurse can't name James's entry; the page offers none.
    colleague = StaffFactory(roles=["nurse"])
    with pytest.raises(ValidationError, match="that you recorded"):
        services.addendum_write(
            session=session,
            reason="Correction",
            text="Wrong.",
            corrects=f"reading:{typo.pk}",
            actor=colleague,
        )
    assert f'value="reading:{typo.pk}"' not in page(login(colleague), session)

    nurse = login(personas.nurse)
    html = page(nurse, session)
    assert "Entry entered in error" in html and "Mark entered in error" not in html
    assert f'value="reading:{typo.pk}"' in html
    # The addendum form offers the record's entries; a foreign one is refused.
    response = act(
        nurse,
        session,
        "addendum",
        {
            "addendum-corrects": "reading:999999",
            "addendum-reason": "Correction",
            "addendum-text": "Wrong entry.",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    act(
        nurse,
        session,
        "addendum",
        {
            "addendum-corrects": f"reading:{typo.pk}",
            "addendum-reason": "Reading entered in error",
            "addendum-text": "BP was 128/82; 138 was typed for 128.",
        },
    )
    state = fresh(session)
    assert typo.pk not in [r.pk for r in state.readings]
    struck = next(r for r in state.readings_log if r.pk == typo.pk)
    assert struck.struck and struck.correction.reason == "Reading entered in error"
    html = page(nurse, session)
    assert "Declares entered in error: the vitals at" in html
    assert "<del>138/82</del>" in html
    # The record itself is unchanged.
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None


def test_an_addendum_cannot_strike_an_entry_of_an_unsigned_record(chairside, personas) -> None:
    session, typo = typo_after_dose(chairside, personas)
    with pytest.raises(ValidationError, match="mark the entry entered in error on its row"):
        services.addendum_write(
            session=session,
            reason="Correction",
            text="Wrong.",
            corrects=f"reading:{typo.pk}",
            actor=personas.nurse,
        )


def test_a_pre_dose_typo_no_longer_holds_but_a_fresh_reading_is_needed(chairside, personas) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse)  # normal, 5 min ago
    typo = services.reading_record(
        session=session,
        values=NORMAL | {"systolic": 210, "diastolic": 130},
        taken_at=ago(2),
        actor=personas.nurse,
    )
    held = fresh(session)
    assert held.gate is not None and not held.gate.proceed
    services.reading_mark_entered_in_error(actor=personas.nurse, reading=typo, reason=REASON)
    state = fresh(session)
    # The normal reading from before the typo does not silently pass the gate.
    assert state.gate is None and state.baseline is None
    assert state.predose_in_error.pk == typo.pk
    blockers = services.dose_blockers(state)
    assert any("entered in error: take a fresh reading" in b for b in blockers)
    with pytest.raises(ValidationError, match="entered in error"):
        dose(session, personas.nurse)
    services.reading_record(session=session, values=NORMAL, taken_at=None, actor=personas.nurse)
    state = fresh(session)
    assert state.gate.proceed and state.predose_in_error is None
    assert dose(session, personas.nurse).pk


def test_a_marked_reading_that_had_a_gate_override_needs_a_new_decision(
    chairside, personas
) -> None:
    session = ready_to_dose(
        chairside.open(personas.nurse), personas.nurse, systolic=172, diastolic=96
    )
    services.gate_override(
        session=session,
        reason="Anxious at arrival; rechecked manually, clinically acceptable today.",
        actor=personas.psychiatrist,
    )
    reading = VitalReading.objects.get(session=session)
    services.reading_mark_entered_in_error(
        actor=personas.psychiatrist, reading=reading, reason=REASON
    )
    state = fresh(session)
    assert state.gate is None and state.gate_override is None


def esketamine_with_two_devices(chairside, personas) -> TreatmentSession:
    chairside.appointment.plan = make_plan(
        personas.patient_a, personas.psychiatrist, "intranasal_esketamine"
    )
    chairside.appointment.save(update_fields=["plan"])
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=60)
    dose(session, personas.nurse, minutes_ago=60)
    services.device_record(session=session, given_at=ago(54), actor=personas.nurse)
    return TreatmentSession.objects.get(pk=session.pk)


def test_a_device_time_entered_in_error_is_taken_back_and_recorded_again(
    chairside, personas
) -> None:
    session = esketamine_with_two_devices(chairside, personas)
    first, second = DeviceDose.objects.filter(session=session).order_by("number")
    assert DoseRecord.objects.get(session=session).total_mg == 56
    with pytest.raises(ValidationError, match="Device 1 is the start of the dose"):
        services.device_mark_entered_in_error(actor=personas.nurse, device=first, reason=REASON)

    services.device_mark_entered_in_error(
        actor=personas.nurse, device=second, reason="Pressed twice; second device not given"
    )
    state = fresh(session)
    assert [d.number for d in state.devices] == [1]
    assert [d.struck for d in state.devices_log] == [False, True]
    assert DoseRecord.objects.get(session=session).total_mg == 28
    assert _values(state, clinic_settings(), False)["device_count"] == "1"
    # The device is recorded again, under the same number.
    again, _warnings = services.device_record(
        session=session, given_at=ago(50), actor=personas.nurse
    )
    assert again.number == 2
    assert DoseRecord.objects.get(session=session).total_mg == 56
    assert DeviceDose.objects.filter(session=session).count() == 3


def test_the_rems_form_leaves_out_a_reading_and_a_serious_event_entered_in_error(
    chairside, personas
) -> None:
    session = esketamine_with_two_devices(chairside, personas)
    typo = services.reading_record(
        session=session, values=TYPO, taken_at=ago(60 - 40), actor=personas.nurse
    )
    event = services.adverse_event_record(
        session=session,
        event=services.AdverseEventInput(
            kind="excessive_sedation", severity="serious", onset_at=ago(15)
        ),
        actor=personas.nurse,
    )
    values = _values(fresh(session), clinic_settings(), False)
    assert values["bp_40min"].startswith("300/20")
    assert values["serious_adverse_events"] != "None"

    services.reading_mark_entered_in_error(actor=personas.nurse, reading=typo, reason=REASON)
    services.adverse_event_mark_entered_in_error(
        actor=personas.nurse, event=event, reason="Charted on the wrong patient's record"
    )
    values = _values(fresh(session), clinic_settings(), False)
    assert values["bp_40min"] is None
    assert values["serious_adverse_events"] == "None"
    assert values["sae_reported"] == "Not applicable"
    assert AdverseEvent.objects.get(pk=event.pk).rems_reportable  # the row itself unchanged


# --- Through the page ------------------------------------------------------------------


def test_the_nurse_marks_it_on_the_page_and_sees_it_struck_through(
    chairside, personas, login
) -> None:
    session, typo = typo_after_dose(chairside, personas)
    nurse = login(personas.nurse)
    html = page(nurse, session)
    assert "Critical: blood pressure high" in html and "Mark entered in error" in html

    response = act(nurse, session, "in-error", {"entry": f"reading:{typo.pk}", "reason": "no"})
    body = response.content.decode()
    assert "at least 5 characters" in body and 'value="no"' in body
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None

    response = act(nurse, session, "in-error", {"entry": f"reading:{typo.pk}", "reason": REASON})
    assert response.status_code == 200
    html = page(nurse, session)
    assert "<del>300/20</del>" in html
    assert f"Entered in error</strong> — {REASON} (James" in html
    assert "Closed: the reading was entered in error" in html
    assert "critical alert open" not in html


def test_who_may_mark_on_the_page(chairside, personas, login) -> None:
    session, typo = typo_after_dose(chairside, personas)
    colleague = StaffFactory(roles=["nurse"])
    other = login(colleague)
    assert "Mark entered in error" not in page(other, session)
    response = other.post(
        reverse("session_action", args=[session.pk, "in-error"]),
        {"entry": f"reading:{typo.pk}", "reason": REASON},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="vitals-log",
    )
    # The refusal answers in the status block, swapped there (not into the vitals log).
    assert "person who recorded this entry" in response.content.decode()
    assert response["HX-Retarget"] == "#status"
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None

    therapist = login(personas.therapist)
    assert "Mark entered in error" not in page(therapist, session)
    response = act(
        therapist, session, "in-error", {"entry": f"reading:{typo.pk}", "reason": REASON}
    )
    assert response.status_code == 403
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None


def test_an_entry_of_another_session_or_garbage_is_not_found(chairside, personas, login) -> None:
    session, typo = typo_after_dose(chairside, personas)
    other_plan = make_plan(personas.patient_b, personas.psychiatrist)
    chair = ChairFactory(name="Chair 2", display_order=2)
    other_session = services.session_open(
        appointment=book_now(personas.patient_b, other_plan, chair, personas.coordinator),
        actor=personas.nurse,
    )
    nurse = login(personas.nurse)
    garbage = ("reading:abc", "reading:" + "9" * 30, "reading:²", "alert:1", "", "reading:-1")
    for entry in (f"reading:{typo.pk}", f"event:{typo.pk}", *garbage):
        response = act(nurse, other_session, "in-error", {"entry": entry, "reason": REASON})
        assert response.status_code == 404, entry
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None
    patient = login(personas.patient_a.user)
    response = act(patient, session, "in-error", {"entry": f"reading:{typo.pk}", "reason": REASON})
    assert response.status_code in (302, 403)
    assert VitalReading.objects.get(pk=typo.pk).entered_in_error_at is None


def test_the_pdf_shows_the_entry_struck_through_with_its_reason_and_alerts_in_words(
    chairside, personas, login, django_capture_on_commit_callbacks
) -> None:
    session, typo = typo_after_dose(chairside, personas)
    services.reading_mark_entered_in_error(actor=personas.nurse, reading=typo, reason=REASON)
    services.reading_record(
        session=session,
        values=NORMAL | {"heart_rate": 125},
        taken_at=ago(3),
        actor=personas.nurse,
    )
    services.reading_record(
        session=session,
        values=NORMAL | {"moaas": 5},
        dissociation=0,
        taken_at=None,
        actor=personas.nurse,
    )
    session = lock(TreatmentSession.objects.get(pk=session.pk), personas)
    document = generate(login(personas.nurse), personas.patient_a, "session_record", session.pk,
                        django_capture_on_commit_callbacks)  # fmt: skip
    from tests.clinic.test_documents import pdf_text

    text = " ".join(pdf_text(document).split())
    assert "300/20" in text  # still on the record
    assert f"Entered in error — {REASON} (James" in text
    assert "Warning: heart rate high" in text and "HR_HIGH" not in text
    assert "closed: the reading was entered in error" in text
    assert "BP_HIGH (critical)" not in text


def test_the_page_and_board_of_a_nurse_ignore_the_closed_alert(chairside, personas, login) -> None:
    _session, typo = typo_after_dose(chairside, personas)
    services.reading_mark_entered_in_error(actor=personas.nurse, reading=typo, reason=REASON)
    board = login(personas.nurse).get(reverse("nurse_board_live")).content.decode()
    assert "CRITICAL" not in board and "300/20" not in board
    assert "128/82" in board  # the latest valid reading


def test_the_pre_dose_reading_cannot_be_struck_once_the_dose_was_given(
    chairside, personas, login
) -> None:
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=30)
    dose(session, personas.nurse, minutes_ago=30)
    predose = VitalReading.objects.get(session=session)
    for actor in (personas.nurse, personas.psychiatrist):
        with pytest.raises(ValidationError, match="dose was given after this pre-dose reading"):
            services.reading_mark_entered_in_error(actor=actor, reading=predose, reason=REASON)
    assert VitalReading.objects.get(pk=predose.pk).entered_in_error_at is None
    assert fresh(session).baseline.pk == predose.pk
    assert f'value="reading:{predose.pk}"' not in page(login(personas.nurse), session)


def test_the_paged_psychiatrist_learns_a_critical_reading_or_serious_event_was_struck(
    chairside, personas, django_capture_on_commit_callbacks
) -> None:
    from clinic.models import Reminder

    session, typo = typo_after_dose(chairside, personas)
    event = services.adverse_event_record(
        session=session,
        event=services.AdverseEventInput(kind="hypertension", severity="serious", onset_at=ago(5)),
        actor=personas.nurse,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.reading_mark_entered_in_error(actor=personas.nurse, reading=typo, reason=REASON)
        services.adverse_event_mark_entered_in_error(
            actor=personas.nurse, event=event, reason="Charted on the wrong patient"
        )
    told = Reminder.objects.filter(kind="urgent_alert")
    assert told.filter(target__startswith=f"vital-alert-in-error:{typo.pk}/").exists()
    assert told.filter(target__startswith=f"adverse-event-in-error:{event.pk}/").exists()
    for reminder in told.filter(target__contains="in-error"):
        assert reminder.recipient.has_role("psychiatrist")
    from django.core import mail

    subjects = " ".join(message.body for message in mail.outbox)
    assert "A reading that raised a critical alert was marked entered in error" in subjects
    assert "A serious adverse event was marked entered in error" in subjects


def test_the_dose_that_counts_follows_the_devices_even_when_the_stored_total_cannot(
    chairside, personas
) -> None:
    session = esketamine_with_two_devices(chairside, personas)
    assert fresh(session).dose_total_mg == 56
    second = DeviceDose.objects.get(session=session, number=2)
    services.device_mark_entered_in_error(
        actor=personas.nurse, device=second, reason="Pressed twice; second device not given"
    )
    # After signing an addendum strikes a device and the locked row keeps its total: the
    # REMS form, the page and the PDF count the devices, not the stored number.
    DoseRecord.objects.filter(session=session).update(total_mg=56)
    state = fresh(session)
    assert state.dose_total_mg == 28
    values = _values(state, clinic_settings(), False)
    assert (values["dose_mg"], values["device_count"]) == ("28 mg", "1")


def test_an_alert_acknowledged_before_its_reading_was_struck_keeps_what_was_done(
    chairside, personas, login
) -> None:
    session, typo = typo_after_dose(chairside, personas)
    for alert in VitalAlert.objects.filter(reading=typo):
        services.alert_acknowledge(
            alert=alert, action_taken="Re-checked after 5 minutes; settled", actor=personas.nurse
        )
    services.reading_mark_entered_in_error(actor=personas.nurse, reading=typo, reason=REASON)
    html = page(login(personas.nurse), session)
    assert "Re-checked after 5 minutes; settled" in html
    assert "The reading was later entered in error (James" in html
    assert "Closed: the reading was entered in error (" not in html
