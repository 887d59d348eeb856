"""The read model of one session record (`SessionState`), built from its parts, used by
the session screen, the services' checks and the nurse board.

`state_of` reads the parts through the related managers, so a caller that prefetched
them (`with_parts`) pays a constant number of queries however many sessions it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clinic import clock
from clinic.models import ClinicSettings
from clinic.selectors import clinic_settings
from intake.models import Intake, UrgentAlert
from sessions import dosing, monitoring
from sessions.models import (
    AdverseEvent,
    DeviceDose,
    DoseRecord,
    GateOverride,
    InfusionPause,
    SessionAddendum,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.checkin import CheckInEntry, CheckInItem
from sessions.models.doses import Drug
from sessions.models.vitals import AlertLevel, ReadingPhase
from sessions.record_rules import (
    STAGES,
    checkin_required_items,
    dissociation_resolved,
    entry_ref,
    observation_start,
    weight_of,
)
from sessions.selectors.safety import vital_limits
from sessions.selectors.session_record import part_applies


@dataclass
class SessionState:
    """Everything the session screen and the board need to know about one session."""

    session: TreatmentSession
    now: dt.datetime
    entries: dict[str, CheckInEntry]
    checkin_history: list[CheckInEntry]
    checkin_missing: list[str]
    # Entries marked entered in error (or declared so by an addendum after signing) stay
    # in the `*_log` lists, shown struck through; every other list and every rule, chart
    # and form leaves them out.
    readings: list[VitalReading]
    readings_log: list[VitalReading]
    baseline: VitalReading | None
    # The newest value of each vital in the 30 minutes before the dose (or now), BP as a
    # pair: what the pre-dose gate judges and what later readings are compared with.
    predose_vitals: dict[str, Any]
    gate: monitoring.Gate | None
    gate_override: GateOverride | None
    dose: DoseRecord | None
    devices: list[DeviceDose]
    devices_log: list[DeviceDose]
    pauses: list[InfusionPause]
    alerts: list[VitalAlert]
    alerts_log: list[VitalAlert]
    adverse_events: list[AdverseEvent]
    events_log: list[AdverseEvent]
    addenda: list[SessionAddendum]
    open_urgent_alert: bool
    due: monitoring.VitalsDue
    discharge: monitoring.DischargeStatus
    # The newest pre-dose reading entered in error when no valid reading was taken after
    # it: the gate then waits for a fresh reading.
    predose_in_error: VitalReading | None = None

    @property
    def weight_kg(self) -> Decimal | None:
        entry = self.entries.get(CheckInItem.WEIGHT)
        return weight_of(entry.value) if entry else None

    @property
    def weight_confirmed(self) -> bool:
        entry = self.entries.get(CheckInItem.WEIGHT)
        return bool(entry and isinstance(entry.value, dict) and entry.value.get("confirmed"))

    @property
    def dose_total_mg(self) -> Decimal | None:
        """The dose that counts: for esketamine 28 mg for each device not entered in error
        (an addendum after signing can strike one the stored total still holds)."""
        if self.dose is None:
            return None
        if self.devices:
            return Decimal(dosing.ESKETAMINE_DEVICE_MG * len(self.devices))
        return self.dose.total_mg

    @property
    def dose_started_at(self) -> dt.datetime | None:
        return self.dose.started_at if self.dose else None

    @property
    def open_pause(self) -> InfusionPause | None:
        return next((p for p in self.pauses if p.resumed_at is None), None)

    @property
    def open_alerts(self) -> list[VitalAlert]:
        return [a for a in self.alerts if a.acknowledged_at is None]

    @property
    def open_critical(self) -> list[VitalAlert]:
        return [a for a in self.open_alerts if a.level == AlertLevel.CRITICAL]

    @property
    def latest_reading(self) -> VitalReading | None:
        return self.readings[-1] if self.readings else None

    @property
    def minutes_since_dose(self) -> int | None:
        if self.dose is None:
            return None
        return max(0, int((self.now - self.dose.started_at).total_seconds() // 60))

    @property
    def stage(self) -> str:
        session = self.session
        if session.cosigned_at:
            return "locked"
        if session.nurse_signed_at:
            return "signed"
        if session.discharged_at:
            return "discharged"
        if session.ended_without_dose_at:
            return "ended_without_dose"
        if self.dose is None:
            return "predose"
        if self.session.route == "iv" and self.dose.ended_at is None:
            return "dosing"
        return "ready" if self.discharge.ready else "observation"

    @property
    def stage_label(self) -> str:
        if self.stage == "ended_without_dose":
            return "Ended without a dose"
        return dict(STAGES)[self.stage]

    @property
    def entered_in_error(self) -> int:
        """How many entries are struck through (entered in error)."""
        logs = (self.readings_log, self.devices_log, self.events_log)
        return sum(1 for log in logs for row in log if row.struck)

    @property
    def serious_events(self) -> list[AdverseEvent]:
        return [e for e in self.adverse_events if e.severity == "serious"]


def last_weight(patient_id: int, *, before: TreatmentSession | None = None) -> Decimal | None:
    """The patient's last recorded weight: the newest check-in weight (of a session opened
    before `before`, when given), else the intake's answer."""
    entries = CheckInEntry.objects.filter(
        session__patient_id=patient_id, item=CheckInItem.WEIGHT
    ).order_by("-recorded_at", "-pk")
    if before is not None:
        entries = entries.filter(session__opened_at__lt=before.opened_at).exclude(session=before)
    value = entries.values_list("value", flat=True).first()
    if value is not None:
        return weight_of(value)
    intake = Intake.objects.filter(patient_id=patient_id).order_by("-pk").only("answers").first()
    weight = intake.answers.get("weight_kg") if intake else None
    try:
        return Decimal(str(weight)) if weight not in (None, "") else None
    except ArithmeticError:
        return None


def first_dose_of_drug(session: TreatmentSession) -> bool:
    """True when no session before this one gave the patient this drug at the clinic."""
    drug = Drug.ESKETAMINE if session.route == monitoring.ESKETAMINE else Drug.KETAMINE
    return (
        not DoseRecord.objects.filter(
            session__patient_id=session.patient_id,
            drug=drug,
            session__opened_at__lt=session.opened_at,
        )
        .exclude(session=session)
        .exists()
    )


def _dose_of(session: TreatmentSession) -> DoseRecord | None:
    try:
        return session.dose
    except DoseRecord.DoesNotExist:
        return None


def _marked(rows: list[Any], kind: str, corrections: dict[str, SessionAddendum]) -> list[Any]:
    """Mark each entry: `correction` (the addendum that declares it entered in error after
    signing, or None) and `struck` (entered in error either way)."""
    for row in rows:
        row.ref = entry_ref(kind, row.pk)
        row.correction = corrections.get(row.ref)
        row.struck = row.entered_in_error_at is not None or row.correction is not None
        if row.correction is not None:
            row.correction.entry, row.correction.entry_kind = row, kind
    return rows


def _after(reading: VitalReading, other: VitalReading) -> bool:
    return (reading.taken_at, reading.pk) > (other.taken_at, other.pk)


def _predose(
    readings_log: list[VitalReading], readings: list[VitalReading]
) -> tuple[list[VitalReading], VitalReading | None]:
    """The pre-dose readings the gate judges, and the newest one entered in error when no
    valid reading followed it. A pre-dose reading entered in error was a real measurement
    with a wrong value: the gate judges only readings taken after it, so a fresh reading
    is needed."""
    predose_struck = [r for r in readings_log if r.struck and r.phase == ReadingPhase.PREDOSE]
    predose = [r for r in readings if r.phase == ReadingPhase.PREDOSE]
    if not predose_struck:
        return predose, None
    newest_struck = predose_struck[-1]
    predose = [r for r in predose if _after(r, newest_struck)]
    return predose, None if predose else newest_struck


def _open_urgent_alert(session: TreatmentSession) -> bool:
    """The patient has an unacknowledged urgent alert (annotated on the query, else read)."""
    if hasattr(session, "has_urgent_alerts"):
        return session.has_urgent_alerts
    return UrgentAlert.objects.filter(
        patient_id=session.patient_id, acknowledged_at__isnull=True
    ).exists()


def _alerts(
    session: TreatmentSession, readings_log: list[VitalReading]
) -> tuple[list[VitalAlert], list[VitalAlert]]:
    """The alerts that count (not of a reading entered in error) and the whole log; each
    reading of the log gets its `alert_list`, each alert `reading_struck`."""
    alerts_log = list(session.alerts.all())
    struck_readings = {r.pk for r in readings_log if r.struck}
    alerts = [a for a in alerts_log if a.reading_id not in struck_readings]
    by_reading: dict[int, list[VitalAlert]] = {}
    for alert in alerts_log:
        alert.reading_struck = alert.reading_id in struck_readings
        by_reading.setdefault(alert.reading_id, []).append(alert)
    for reading in readings_log:
        reading.alert_list = by_reading.get(reading.pk, [])
    return alerts, alerts_log


def _gate(
    session: TreatmentSession,
    baseline: VitalReading,
    predose_vitals: dict[str, Any],
    *,
    overrides: list[GateOverride],
    age: int | None,
    limits: monitoring.VitalLimits,
) -> tuple[monitoring.Gate, GateOverride | None]:
    """The pre-dose gate on the newest pre-dose vitals, and the override that covers it."""
    # Unknown age: the stricter (under-65) esketamine limit applies.
    gate = monitoring.predose_gate(predose_vitals, route=session.route, age=age or 0, limits=limits)
    # An override covers the reasons it was written for, on the newest pre-dose
    # reading; a new reason (or a new reading) needs a new decision.
    override = next(
        (
            o
            for o in overrides
            if o.reading_id == baseline.pk and set(gate.reasons) <= set(o.reasons)
        ),
        None,
    )
    return gate, override


def _discharge_status(
    session: TreatmentSession,
    *,
    now: dt.datetime,
    dose: DoseRecord | None,
    readings: list[VitalReading],
    alerts: list[VitalAlert],
    predose_vitals: dict[str, Any],
    limits: monitoring.VitalLimits,
) -> monitoring.DischargeStatus:
    """The discharge check on the readings taken since the dose."""
    monitored = [r for r in readings if dose is not None and r.taken_at >= dose.started_at]
    open_critical = [
        a for a in alerts if a.acknowledged_at is None and a.level == AlertLevel.CRITICAL
    ]
    return monitoring.discharge_check(
        route=session.route,
        now=now,
        observation_from=observation_start(session, dose),
        readings=[r.as_reading() for r in monitored],
        baseline=predose_vitals or None,
        dissociation_resolved=dissociation_resolved(monitored),
        open_critical_alerts=len(open_critical),
        assessment={key: getattr(session, key) for key, _ in monitoring.DISCHARGE_ASSESSMENT},
        limits=limits,
        observation_minutes=session.plan.protocol.observation_minutes,
    )


@dataclass(frozen=True)
class _Logs:
    """Every entry of the record's logs, each marked `struck` or not (`_marked`)."""

    addenda: list[SessionAddendum]
    readings: list[VitalReading]
    devices: list[DeviceDose]
    events: list[AdverseEvent]


@dataclass(frozen=True)
class _BeforeDose:
    """What the pre-dose gate judges, and its verdict (none without a pre-dose reading)."""

    baseline: VitalReading | None
    vitals: dict[str, Any]
    gate: monitoring.Gate | None
    override: GateOverride | None
    in_error: VitalReading | None


PartsReader = Callable[[Any], list[Any]]


def _parts_reader(session: TreatmentSession, *, board: bool) -> PartsReader:
    """Read one kind of part of the record: none on the board, or where it does not apply
    to the session's route."""

    def parts(manager: Any) -> list[Any]:
        if board or not part_applies(session, manager.field.related_query_name()):
            return []
        return list(manager.all())

    return parts


def _checkin(
    session: TreatmentSession, parts: PartsReader
) -> tuple[list[CheckInEntry], dict[str, CheckInEntry], list[str]]:
    """The check-in history, the latest entry of each item, and the labels of the
    required items not answered yet."""
    history = parts(session.checkin_entries)
    entries: dict[str, CheckInEntry] = {entry.item: entry for entry in history}
    labels = dict(CheckInItem.choices)
    missing = [labels[item] for item in checkin_required_items(session) if item not in entries]
    return history, entries, missing


def _logs(session: TreatmentSession, parts: PartsReader) -> _Logs:
    """The addenda and the logs of readings, devices and events, each entry marked struck
    when entered in error (or declared so by an addendum after signing)."""
    addenda = parts(session.addenda)
    corrections = {a.corrects: a for a in addenda if a.corrects}
    return _Logs(
        addenda=addenda,
        readings=_marked(list(session.readings.all()), "reading", corrections),
        devices=_marked(parts(session.devices), "device", corrections),
        events=_marked(parts(session.adverse_events), "event", corrections),
    )


def _before_dose(
    session: TreatmentSession,
    logs: _Logs,
    readings: list[VitalReading],
    *,
    dose: DoseRecord | None,
    now: dt.datetime,
    clinic: ClinicSettings,
    limits: monitoring.VitalLimits,
    parts: PartsReader,
) -> _BeforeDose:
    """The newest pre-dose vitals (in the window before the dose, or now) and the gate
    on them, with the override that covers it."""
    predose, in_error = _predose(logs.readings, readings)
    baseline = predose[-1] if predose else None
    gate_time = dose.started_at if dose else now
    vitals = monitoring.latest_vitals(
        [r.as_reading() for r in predose],
        now=gate_time,
        window_minutes=monitoring.PREDOSE_WINDOW_MINUTES,
    )
    gate = override = None
    if baseline is not None:
        gate, override = _gate(
            session,
            baseline,
            vitals,
            overrides=parts(session.gate_overrides),
            age=session.patient.age_on(timezone.localdate(gate_time, clinic.zone)),
            limits=limits,
        )
    return _BeforeDose(baseline, vitals, gate, override, in_error)


def _vitals_due(
    session: TreatmentSession,
    *,
    dose: DoseRecord | None,
    readings: list[VitalReading],
    now: dt.datetime,
    before: _BeforeDose,
) -> monitoring.VitalsDue:
    """When the next set of vitals is due."""
    return monitoring.vitals_due(
        session.route,
        dose_started_at=dose.started_at if dose else None,
        reading_times=[r.taken_at for r in readings],
        now=now,
        has_baseline=before.baseline is not None,
        finished=session.ended,
    )


def state_of(
    session: TreatmentSession,
    *,
    now: dt.datetime | None = None,
    clinic: ClinicSettings | None = None,
    board: bool = False,
) -> SessionState:
    """Build the read model from the session's parts (prefetched or not). `board=True`
    reads only what the nurse board shows (readings, alerts, dose): check-in, overrides,
    devices, pauses, events and addenda are left empty."""
    now = now or clock.now()
    clinic = clinic or clinic_settings()
    parts = _parts_reader(session, board=board)
    history, entries, missing = _checkin(session, parts)
    logs = _logs(session, parts)
    readings = [r for r in logs.readings if not r.struck]
    alerts, alerts_log = _alerts(session, logs.readings)
    dose = _dose_of(session)
    limits = vital_limits(clinic)
    before = _before_dose(
        session, logs, readings, dose=dose, now=now, clinic=clinic, limits=limits, parts=parts
    )
    due = _vitals_due(session, dose=dose, readings=readings, now=now, before=before)
    discharge = _discharge_status(
        session,
        now=now,
        dose=dose,
        readings=readings,
        alerts=alerts,
        predose_vitals=before.vitals,
        limits=limits,
    )
    return SessionState(
        session=session,
        now=now,
        entries=entries,
        checkin_history=history,
        checkin_missing=missing,
        readings=readings,
        readings_log=logs.readings,
        baseline=before.baseline,
        predose_vitals=before.vitals,
        gate=before.gate,
        gate_override=before.override,
        dose=dose,
        devices=[d for d in logs.devices if not d.struck],
        devices_log=logs.devices,
        pauses=parts(session.pauses),
        alerts=alerts,
        alerts_log=alerts_log,
        adverse_events=[e for e in logs.events if not e.struck],
        events_log=logs.events,
        addenda=logs.addenda,
        predose_in_error=before.in_error,
        open_urgent_alert=_open_urgent_alert(session),
        due=due,
        discharge=discharge,
    )
