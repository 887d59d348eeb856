"""The Spravato REMS Patient Monitoring Form, filled from the session record
(session-monitoring.md §9). Every field the product can fill has a key; a form version
(`RemsFormVersion`, data) lays out the keys it asks for with its own labels. A value the
record does not hold is None and is listed as missing before the form can be marked
submitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from clinic.models import ClinicSettings, Location
from clinic.selectors import clinic_settings
from intake.models import ScreeningResult
from intake.screening import MEDICATION_KEYS
from sessions.models import RemsFormVersion, VitalReading
from sessions.models.checkin import CheckInItem
from sessions.models.vitals import ReadingPhase
from sessions.selectors.location import session_location
from sessions.selectors.safety import safety_settings
from sessions.selectors.session_state import SessionState

# The 40-minute blood pressure is the reading nearest to 40 minutes after the first device
# within 30–50 minutes; none in that window is left blank (and listed as missing).
BP_40_TARGET = 40
BP_40_WINDOW = (30, 50)

CO_MEDICATION_KEYS = {
    "comed_benzodiazepine": "benzodiazepine",
    "comed_sedative_hypnotic": "sedative_hypnotic",
    "comed_stimulant": "stimulant",
    "comed_maoi": "maoi",
    "comed_opioid": "opioid",
}


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


@dataclass(frozen=True)
class RemsSetting:
    """The healthcare setting a form names: the session's location, each part falling back
    to the clinic settings' while the location has none."""

    name: str
    address: str
    phone: str
    certification_id: str


def rems_setting(location: Location | None, clinic: ClinicSettings) -> RemsSetting:
    if location is None:
        return RemsSetting(clinic.name, clinic.address, clinic.phone, clinic.rems_certification_id)
    return RemsSetting(
        name=location.name,
        address=location.address.strip() or clinic.address,
        phone=location.phone or clinic.phone,
        certification_id=location.rems_certification_id or clinic.rems_certification_id,
    )


@dataclass(frozen=True)
class RemsForm:
    version: RemsFormVersion | None
    sections: list[tuple[str, list[tuple[str, str | None]]]]
    missing: list[str]  # labels of the fields the record does not hold


class _Facts:
    """What the record says, computed once for every field."""

    def __init__(
        self, state: SessionState, clinic: ClinicSettings, location: Location | None
    ) -> None:
        self.state = state
        self.session = state.session
        self.clinic = clinic
        # Times on the session's clock: its location's (controlled-substances.md §1).
        self.zone = location.zone if location is not None else clinic.zone
        self.first_device = state.devices[0].given_at if state.devices else state.dose_started_at
        self.monitored = [
            r
            for r in state.readings
            if r.phase == ReadingPhase.MONITORING
            and (self.first_device is None or r.taken_at >= self.first_device)
        ]

    def at(self, moment: dt.datetime | None) -> str | None:
        return timezone.localtime(moment, self.zone).strftime("%H:%M") if moment else None

    def bp(self, reading: VitalReading | None) -> str | None:
        if reading is None or reading.systolic is None or reading.diastolic is None:
            return None
        return f"{reading.systolic}/{reading.diastolic} mmHg at {self.at(reading.taken_at)}"

    def bp_40(self) -> str | None:
        if self.first_device is None:
            return None
        low, high = BP_40_WINDOW
        start = self.first_device + dt.timedelta(minutes=low)
        end = self.first_device + dt.timedelta(minutes=high)
        target = self.first_device + dt.timedelta(minutes=BP_40_TARGET)
        window = [
            r
            for r in self.monitored
            if start <= r.taken_at <= end and r.systolic is not None and r.diastolic is not None
        ]
        nearest = min(
            window, key=lambda r: abs((r.taken_at - target).total_seconds()), default=None
        )
        return self.bp(nearest)

    def bp_end(self) -> str | None:
        with_bp = [r for r in self.monitored if r.systolic is not None and r.diastolic is not None]
        return self.bp(with_bp[-1]) if with_bp else None

    def episode(self, affected: Callable[[VitalReading], bool | None]) -> tuple[bool, str | None]:
        """Whether the effect occurred after the dose and when it resolved: the first
        reading that rated it as gone after the last reading that showed it (None when it
        has not resolved in the record). `affected` says True, False, or None (not rated)."""
        rated = [(r, affected(r)) for r in self.monitored]
        rated = [(r, flag) for r, flag in rated if flag is not None]
        shown = [i for i, (_r, flag) in enumerate(rated) if flag]
        if not shown:
            return False, None
        after = [r for r, flag in rated[shown[-1] + 1 :] if not flag]
        return True, self.at(after[0].taken_at) if after else None


def _sedated(reading: VitalReading) -> bool | None:
    return None if reading.moaas is None else reading.moaas < 5


def _dissociated(reading: VitalReading) -> bool | None:
    if reading.dissociation is None and reading.cadss6 is None:
        return None
    return (reading.dissociation or 0) > 0 or (reading.cadss6 or 0) > 0


def _respiratory(reading: VitalReading) -> bool | None:
    if reading.spo2 is None and reading.resp_rate is None:
        return None
    return (reading.spo2 is not None and reading.spo2 < 94) or (
        reading.resp_rate is not None and reading.resp_rate < 10
    )


def _occurred(facts: _Facts, rule: Callable[[VitalReading], bool | None]) -> str:
    happened, _resolved = facts.episode(rule)
    return _yes_no(happened)


def _resolved(facts: _Facts, rule: Callable[[VitalReading], bool | None]) -> str | None:
    happened, resolved = facts.episode(rule)
    return resolved if happened else "Not applicable"


def _medicines_at_the_session(state: SessionState) -> dict[str, bool]:
    """The medicines the patient took at this session: its check-in medication list, else
    the newest screening stored before the session (never a later one)."""
    entry = state.entries.get(CheckInItem.MEDICATION_CHANGES)
    if entry is not None and isinstance(entry.value, dict) and "medicines" in entry.value:
        return {key: bool(entry.value["medicines"].get(key)) for key in MEDICATION_KEYS}
    answers = (
        ScreeningResult.objects.filter(
            intake__patient_id=state.session.patient_id,
            created_at__lte=state.session.discharged_at or state.now,
        )
        .order_by("-created_at", "-pk")
        .values_list("answers", flat=True)
        .first()
    ) or {}
    return {key: answers.get(key) is True for key in MEDICATION_KEYS}


def _person(user: object | None) -> str | None:
    return getattr(user, "display_name", None) if user else None


def _serious_events(facts: _Facts) -> str:
    events = facts.state.serious_events
    if not events:
        return "None"
    return "; ".join(
        f"{e.get_kind_display()} at {facts.at(e.onset_at)}: {e.outcome or 'outcome not recorded'}"
        for e in events
    )


def _values(
    state: SessionState,
    clinic: ClinicSettings,
    first_dose: bool,
    setting: RemsSetting | None = None,
) -> dict[str, object]:
    """Every field the product fills, in the form's order (None: not in the record). The
    setting named is the session's location's unless given."""
    location = session_location(state.session)
    facts = _Facts(state, clinic, location)
    setting = setting or rems_setting(location, clinic)
    return {
        **_patient_values(state, first_dose),
        **_people_values(state, setting),
        **_treatment_values(facts),
        **_monitoring_values(facts),
    }


def _patient_values(state: SessionState, first_dose: bool) -> dict[str, object]:
    plan, patient = state.session.plan, state.session.patient
    return {
        "patient_name": patient.full_name,
        "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
        "sex": patient.get_sex_at_birth_display() or None,
        "rems_patient_id": plan.rems_patient_id or None,
        "first_treatment": _yes_no(first_dose),
    }


def _people_values(state: SessionState, setting: RemsSetting) -> dict[str, object]:
    """The treatment setting, the prescriber and the health care provider who monitored."""
    session = state.session
    prescriber = session.supervising_psychiatrist or session.plan.written_by
    monitor = session.nurse_signed_by or (state.dose.administered_by if state.dose else None)
    return {
        "setting_name": setting.name,
        "setting_address": setting.address.strip() or None,
        "rems_certification_id": setting.certification_id or None,
        "prescriber_name": _person(prescriber),
        "prescriber_phone": setting.phone or None,
        "prescriber_email": getattr(prescriber, "email", None) or None,
        "monitor_name": _person(monitor),
        "monitor_phone": setting.phone or None,
        "monitor_email": getattr(monitor, "email", None) or None,
    }


def _treatment_values(facts: _Facts) -> dict[str, object]:
    """The dose given and the medicines taken with it."""
    state = facts.state
    medicines = _medicines_at_the_session(state)
    return {
        "treatment_date": (
            timezone.localtime(facts.first_device, facts.zone).date().isoformat()
            if facts.first_device
            else None
        ),
        "dose_mg": f"{state.dose_total_mg.normalize():f} mg" if state.dose else None,
        "device_count": str(len(state.devices)) if state.devices else None,
        "lot_number": state.dose.lot_number if state.dose else None,
        **{key: _yes_no(medicines[name]) for key, name in CO_MEDICATION_KEYS.items()},
    }


def _monitoring_values(facts: _Facts) -> dict[str, object]:
    """Vital signs before and after, the effects seen and when they resolved, how long
    the patient was monitored, and serious adverse events."""
    state, session = facts.state, facts.session
    end = session.discharged_at
    minutes = (
        int((end - facts.first_device).total_seconds() // 60)
        if end and facts.first_device
        else None
    )
    gate_ok = None
    if state.gate is not None:
        gate_ok = "Yes" if state.gate.proceed else "No (psychiatrist's override recorded)"
    end_ok = None
    if end is not None:
        end_ok = (
            "Yes" if not session.discharge_unmet else "No (discharged on a psychiatrist's reason)"
        )
    return {
        "bp_before": (
            f"{state.predose_vitals['systolic']}/{state.predose_vitals['diastolic']} mmHg"
            if {"systolic", "diastolic"} <= set(state.predose_vitals)
            else None
        ),
        "bp_40min": facts.bp_40(),
        "bp_end": facts.bp_end(),
        "vitals_ok_before": gate_ok,
        "vitals_ok_end": end_ok,
        "pulse_oximetry": _yes_no(any(r.spo2 is not None for r in state.readings)),
        "sedation": _occurred(facts, _sedated),
        "sedation_resolved_at": _resolved(facts, _sedated),
        "dissociation": _occurred(facts, _dissociated),
        "dissociation_resolved_at": _resolved(facts, _dissociated),
        "respiratory_depression": _occurred(facts, _respiratory),
        "respiratory_resolved_at": _resolved(facts, _respiratory),
        "monitoring_minutes": str(minutes) if minutes is not None else None,
        "ready_minutes": (
            str(session.rems_ready_minutes) if session.rems_ready_minutes is not None else None
        ),
        "serious_adverse_events": _serious_events(facts),
        "sae_reported": ("Reported with this form" if state.serious_events else "Not applicable"),
    }


FIELD_KEYS = frozenset(
    {
        "patient_name", "date_of_birth", "sex", "rems_patient_id", "first_treatment",
        "setting_name", "setting_address", "rems_certification_id", "prescriber_name",
        "prescriber_phone", "prescriber_email", "monitor_name", "monitor_phone",
        "monitor_email", "treatment_date", "dose_mg", "device_count", "lot_number",
        *CO_MEDICATION_KEYS, "bp_before", "bp_40min", "bp_end", "vitals_ok_before",
        "vitals_ok_end", "pulse_oximetry", "sedation", "sedation_resolved_at",
        "dissociation", "dissociation_resolved_at", "respiratory_depression",
        "respiratory_resolved_at", "monitoring_minutes", "ready_minutes",
        "serious_adverse_events", "sae_reported",
    }
)  # fmt: skip


def form_version() -> RemsFormVersion | None:
    """The version the clinic files: its setting, else the newest."""
    chosen = safety_settings().rems_form_version
    return chosen or RemsFormVersion.objects.first()


def rems_form(state: SessionState, *, first_dose: bool) -> RemsForm:
    """The form of the clinic's version, filled from the record, with what is missing. The
    setting it names is the session's location (controlled-substances.md §1)."""
    version = form_version()
    values = _values(state, clinic_settings(), first_dose)
    sections: list[tuple[str, list[tuple[str, str | None]]]] = []
    missing: list[str] = []
    for section in version.layout if version else []:
        rows = []
        for key, label in section["fields"]:
            value = values.get(key)
            rows.append((label, None if value is None else str(value)))
            if value is None:
                missing.append(label)
        sections.append((section["section"], rows))
    return RemsForm(version=version, sections=sections, missing=missing)


def rems_missing(plan: object, location: Location | None = None) -> list[str]:
    """What esketamine still needs before it is booked or given: the patient's REMS
    enrollment on the plan and the REMS certification of the location (when it has one
    on file), else of the clinic settings (empty: nothing)."""
    certified: object = clinic_settings()
    if location is not None and location.rems_certification_id:
        certified = location
    missing = []
    if not plan.rems_patient_id or plan.rems_enrolled_on is None:
        missing.append("the patient's REMS enrollment (id and date)")
    if not certified.rems_certification_id or certified.rems_certified_on is None:
        missing.append("the clinic's REMS certification")
    return missing
