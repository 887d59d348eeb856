"""The Spravato REMS monitoring form v2 (session-monitoring.md §9): a versioned layout, the
40-minute BP from the 30–50 minute window, sedation, dissociation and respiratory
depression derived from what was recorded, the nurse's "clinically ready" minutes, today's
co-medications, and missing fields listed before it can be marked submitted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import RemsFormVersion, SessionSafetySettings, TreatmentSession
from sessions.selectors.records import first_dose_of_drug, state_of
from sessions.selectors.rems import FIELD_KEYS, _values, rems_form
from sessions.selectors.treatment_gate import current_medicines
from sessions.services import records as services
from tests.factories import RemsFormVersionFactory
from tests.sessions.conftest import make_plan
from tests.sessions.test_session_record import NORMAL, dose, lock, ready_to_dose

ago = lambda minutes: timezone.now() - dt.timedelta(minutes=minutes)  # noqa: E731


def esketamine_session(chairside, personas, readings: list[tuple[int, dict, int | None]]):
    """An esketamine session, first device 130 minutes ago, with readings at the given
    minutes after it (values, dissociation rating), discharged and locked."""
    chairside.appointment.plan = make_plan(
        personas.patient_a, personas.psychiatrist, "intranasal_esketamine"
    )
    chairside.appointment.save(update_fields=["plan"])
    ClinicSettings.objects.filter(pk=1).update(
        address="12 Harbor Street, Boston MA 02110", phone="+16175550100"
    )
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=130)
    dose(session, personas.nurse, minutes_ago=130)
    services.device_record(session=session, given_at=ago(124), actor=personas.nurse)
    for minute, values, dissociation in readings:
        services.reading_record(
            session=session,
            values=values,
            dissociation=dissociation,
            taken_at=ago(130 - minute),
            actor=personas.nurse,
        )
    return lock(TreatmentSession.objects.get(pk=session.pk), personas)


def form_of(session: TreatmentSession):
    session = TreatmentSession.objects.get(pk=session.pk)
    return rems_form(state_of(session), first_dose=first_dose_of_drug(session))


def value(form, label: str) -> str | None:
    return next(v for _section, rows in form.sections for lab, v in rows if lab == label)


def test_every_field_of_the_shipped_layout_is_one_the_record_fills(db: None) -> None:
    version = RemsFormVersion.objects.get(code="rems-monitoring-2025")
    assert set(version.field_keys) <= FIELD_KEYS
    version.full_clean()


def test_the_40_minute_bp_comes_from_the_30_to_50_minute_window(chairside, personas) -> None:
    session = esketamine_session(
        chairside,
        personas,
        [
            (1, NORMAL | {"systolic": 150, "diastolic": 88}, None),
            (38, NORMAL | {"systolic": 142, "diastolic": 86}, None),
            (52, NORMAL | {"systolic": 136, "diastolic": 84}, None),
            (125, NORMAL | {"moaas": 5}, 0),
        ],
    )
    form = form_of(session)
    assert value(form, "Blood pressure about 40 minutes after dosing").startswith("142/86 mmHg")


def test_no_reading_in_the_window_is_blank_listed_and_needs_a_reason_to_submit(
    chairside, personas, login
) -> None:
    session = esketamine_session(
        chairside,
        personas,
        [(1, NORMAL | {"systolic": 150, "diastolic": 88}, None), (125, NORMAL | {"moaas": 5}, 0)],
    )
    form = form_of(session)
    label = "Blood pressure about 40 minutes after dosing"
    assert value(form, label) is None and form.missing == [label]
    html = login(personas.nurse).get(reverse("session_rems", args=[session.pk])).content.decode()
    assert "1 field the record does not hold" in html and label in html
    with pytest.raises(ValidationError, match="The form is missing"):
        services.rems_submission_record(
            session=session,
            submitted_on=timezone.localdate(),
            confirmation="R-1",
            actor=personas.nurse,
        )
    row = services.rems_submission_record(
        session=session,
        submitted_on=timezone.localdate(),
        confirmation="R-1",
        missing_note="No BP was taken between 30 and 50 minutes; reported as not measured.",
        actor=personas.nurse,
    )
    assert row.missing_fields == [label]


def test_sedation_dissociation_and_breathing_are_derived_from_the_readings(
    chairside, personas
) -> None:
    session = esketamine_session(
        chairside,
        personas,
        [
            (20, NORMAL | {"moaas": 4}, 2),
            (40, NORMAL | {"moaas": 4, "spo2": 92}, 1),
            (70, NORMAL | {"moaas": 5}, 0),
            (125, NORMAL | {"moaas": 5}, 0),
        ],
    )
    form = form_of(session)
    resolved = timezone.localtime(ago(60), ClinicSettings.objects.get(pk=1).zone)
    assert value(form, "Did sedation occur?") == "Yes"  # MOAA/S 4 is sedation
    assert value(form, "Time sedation resolved") == resolved.strftime("%H:%M")
    assert value(form, "Did dissociation occur?") == "Yes"
    assert value(form, "Did respiratory depression occur?") == "Yes"  # SpO2 92 %
    assert value(form, "Time respiratory depression resolved") == resolved.strftime("%H:%M")


def test_a_calm_session_reports_no_sedation_and_the_nurses_ready_minutes(
    chairside, personas
) -> None:
    session = esketamine_session(
        chairside, personas, [(40, NORMAL, None), (125, NORMAL | {"moaas": 5}, 0)]
    )
    form = form_of(session)
    assert value(form, "Did sedation occur?") == "No"
    assert value(form, "Time sedation resolved") == "Not applicable"
    assert value(form, "Total minutes from the first device to the end of monitoring") == "130"
    ready = next(
        v for _s, rows in form.sections for label, v in rows if label.startswith("Minutes after")
    )
    assert ready == "90"  # what the nurse entered at discharge, not the 120-minute rule


def test_co_medications_are_todays_not_only_the_intakes(chairside, personas) -> None:
    session = chairside.open(personas.nurse)
    medicines = current_medicines(personas.patient_a.pk) | {"benzodiazepine": True}
    services.checkin_medications(
        session=session, changes="Lorazepam 1 mg at night since Monday", medicines=medicines,
        actor=personas.nurse,
    )  # fmt: skip
    state = state_of(TreatmentSession.objects.get(pk=session.pk))
    assert _values(state, ClinicSettings.objects.get(pk=1), True)["comed_benzodiazepine"] == "Yes"


def test_a_clinic_can_file_another_version_without_a_code_change(chairside, personas) -> None:
    session = esketamine_session(
        chairside, personas, [(40, NORMAL, None), (125, NORMAL | {"moaas": 5}, 0)]
    )
    newer = RemsFormVersionFactory(
        code="rems-monitoring-2027",
        title="Spravato REMS Patient Monitoring Form (2027)",
        effective_from=dt.date(2027, 1, 1),
        layout=[{"section": "Patient", "fields": [["patient_name", "Name of patient"]]}],
    )
    newer.full_clean()
    settings_row, _ = SessionSafetySettings.objects.get_or_create(pk=1)
    settings_row.rems_form_version = newer
    settings_row.save()
    form = form_of(session)
    assert form.version == newer
    assert form.sections == [("Patient", [("Name of patient", "Alice Quillfeather")])]


def test_a_layout_with_an_unknown_field_is_refused(db: None) -> None:
    version = RemsFormVersion(
        code="bad",
        title="Bad",
        effective_from=dt.date(2027, 1, 1),
        layout=[{"section": "Patient", "fields": [["shoe_size", "Shoe size"]]}],
    )
    with pytest.raises(ValidationError, match="Unknown or unlabelled field"):
        version.full_clean()


def test_a_later_medication_change_does_not_rewrite_an_earlier_form(chairside, personas) -> None:
    from intake.services import screening_medications_update

    session = esketamine_session(
        chairside, personas, [(40, NORMAL, None), (125, NORMAL | {"moaas": 5}, 0)]
    )
    screening_medications_update(
        patient=personas.patient_a,
        medications=current_medicines(personas.patient_a.pk) | {"opioid": True},
        actor=personas.nurse,
    )
    assert value(form_of(session), "Opioids") == "No"
