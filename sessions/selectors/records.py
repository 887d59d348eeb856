"""Reads of the session record: one read model (`SessionState`) built from a session's
parts, used by the session screen, the services' checks and the nurse board.

`state_of` reads the parts through the related managers, so a caller that prefetched
them (`with_parts`) pays a constant number of queries however many sessions it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from clinic.choices import Route, SexAtBirth
from clinic.context import note_subject
from clinic.models import ClinicSettings, User
from clinic.policy import NotVisible, patients_visible_to
from clinic.selectors import clinic_settings
from intake.models import Intake, UrgentAlert
from sessions import dosing, monitoring
from sessions.models import (
    AdverseEvent,
    Appointment,
    AppointmentStatus,
    DeviceDose,
    DoseRecord,
    GateOverride,
    InfusionPause,
    RemsSubmission,
    SessionAddendum,
    SessionSafetySettings,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.records import AlertLevel, CheckInEntry, CheckInItem, Drug, ReadingPhase


def vital_limits(clinic: ClinicSettings | None = None) -> monitoring.VitalLimits:
    """The clinic's stored limits as the engine takes them."""
    return monitoring.VitalLimits(**(clinic or clinic_settings()).vital_limit_values())


def gate_reason_texts(session: TreatmentSession, state: SessionState) -> dict[str, str]:
    """Each hold reason of the pre-dose gate in words, with the limit that applied to this
    route and the patient's age that day (the session page and its PDF say the same)."""
    if not state.gate:
        return {}
    clinic = clinic_settings()
    age = session.patient.age_on(timezone.localdate(session.opened_at, clinic.zone)) or 0
    limits = vital_limits(clinic)
    return {
        code: monitoring.gate_reason_text(code, route=session.route, age=age, limits=limits)
        for code in state.gate.reasons
    }


def safety_settings() -> SessionSafetySettings:
    """The clinic's dose limits and pregnancy-test policy, created with defaults."""
    row = SessionSafetySettings.objects.filter(pk=1).first()
    if row is None:
        row, _ = SessionSafetySettings.objects.get_or_create(pk=1)
    return row


def dose_limits(settings_row: SessionSafetySettings | None = None) -> dosing.DoseLimits:
    """The clinic's stored dose limits as the engine takes them."""
    return dosing.DoseLimits(**(settings_row or safety_settings()).dose_limit_values())


def pregnancy_applies(session: TreatmentSession) -> bool:
    # Clinically safer: ask unless the patient is recorded as male at birth.
    return session.patient.sex_at_birth != SexAtBirth.MALE


def checkin_required_items(session: TreatmentSession) -> list[str]:
    items = [
        CheckInItem.IDENTITY,
        CheckInItem.WEIGHT,
        CheckInItem.FASTING,
        CheckInItem.ESCORT,
        CheckInItem.NO_DRIVING,
        CheckInItem.MEDICATION_CHANGES,
        CheckInItem.PHQ9,
        CheckInItem.ASQ,
    ]
    if pregnancy_applies(session):
        items.insert(5, CheckInItem.PREGNANCY)
    return items


FASTING_RULES = {
    monitoring.ESKETAMINE: (
        "No food for 2 hours and no liquids for 30 minutes before; nasal corticosteroids or "
        "decongestants at least 1 hour before."
    ),
}
FASTING_DEFAULT = "No food for 4 hours before; clear liquids until 2 hours before."


def fasting_rule(route: str) -> str:
    return FASTING_RULES.get(route, FASTING_DEFAULT)


def with_parts(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    """Everything `state_of` reads, in a fixed number of queries."""
    return _with_record(queryset).prefetch_related(*_part_prefetches())


def _with_urgent_flag(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    """`has_urgent_alerts`: the patient has an unacknowledged urgent alert (it holds the
    dose), read on the session's own query."""
    return queryset.annotate(
        has_urgent_alerts=Exists(
            UrgentAlert.objects.filter(patient=OuterRef("patient_id"), acknowledged_at__isnull=True)
        )
    )


# Parts that only one route records: esketamine devices, IV infusion pauses.
_ROUTE_PARTS = {"devices": Route.INTRANASAL_ESKETAMINE, "pauses": Route.IV}
# Parts most records never have. For one record, an EXISTS each on the record's own
# query replaces a round trip each; only the parts present are then read.
_SPARSE_PARTS = {
    "gate_overrides": GateOverride,
    "devices": DeviceDose,
    "pauses": InfusionPause,
    "adverse_events": AdverseEvent,
    "addenda": SessionAddendum,
}


def _part_applies(session: TreatmentSession, relation: str) -> bool:
    """False when the session cannot have or is known not to have this part."""
    route = _ROUTE_PARTS.get(relation)
    if route is not None and session.route != route:
        return False
    return getattr(session, f"has_{relation}", True)


def _with_presence(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    return queryset.annotate(
        **{
            f"has_{name}": Exists(model.objects.filter(session=OuterRef("pk")))
            for name, model in _SPARSE_PARTS.items()
        }
    )


def _with_record(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    return _with_urgent_flag(queryset).select_related(
        "appointment__chair",
        "appointment__nurse",
        "patient__intake",  # the allergies banner
        "plan__protocol",
        "dose__administered_by",
        "dose__waste_witness",
        "supervising_psychiatrist",
        "nurse_signed_by",
        "cosigned_by",
        "discharged_by",
        "amended_by",
        "rems_submission",
    )


def _part_prefetches(session: TreatmentSession | None = None) -> list[Prefetch]:
    """The record's parts; for one known session, only those its route can have."""
    lookups = [
        Prefetch(
            "checkin_entries",
            queryset=CheckInEntry.objects.select_related("recorded_by").order_by(
                "recorded_at", "pk"
            ),
        ),
        Prefetch(
            "readings",
            queryset=VitalReading.objects.select_related(
                "recorded_by", "entered_in_error_by"
            ).order_by("taken_at", "pk"),
        ),
        Prefetch(
            "alerts",
            queryset=VitalAlert.objects.select_related("acknowledged_by", "reading").order_by(
                "recorded_at", "pk"
            ),
        ),
        Prefetch("gate_overrides", queryset=GateOverride.objects.select_related("recorded_by")),
        Prefetch(
            "devices",
            queryset=DeviceDose.objects.select_related("entered_in_error_by").order_by(
                "number", "pk"
            ),
        ),
        Prefetch("pauses", queryset=InfusionPause.objects.order_by("paused_at", "pk")),
        Prefetch(
            "adverse_events",
            queryset=AdverseEvent.objects.select_related(
                "recorded_by", "entered_in_error_by"
            ).order_by("onset_at", "pk"),
        ),
        Prefetch("addenda", queryset=SessionAddendum.objects.select_related("author")),
    ]
    if session is None:
        return lookups
    return [lookup for lookup in lookups if _part_applies(session, lookup.prefetch_through)]


STAGES = (
    ("locked", "Co-signed and locked"),
    ("signed", "Signed by nurse — awaiting co-signature"),
    ("discharged", "Discharged"),
    ("ready", "Ready to leave"),
    ("observation", "Observation"),
    ("dosing", "Dosing"),
    ("predose", "Checked in — pre-dose"),
)


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
        if self.dose is None:
            return "predose"
        if self.session.route == "iv" and self.dose.ended_at is None:
            return "dosing"
        return "ready" if self.discharge.ready else "observation"

    @property
    def stage_label(self) -> str:
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


def weight_of(value: Any) -> Decimal:
    """A stored check-in weight: {"kg": "82.4", "confirmed": …}, or the kg as a string."""
    return Decimal(value["kg"] if isinstance(value, dict) else value)


def _dissociation_resolved(readings: list[VitalReading]) -> bool:
    """The newest dissociation rating after the dose is 0 (clinician rating 0, or CADSS-6
    total 0, which means every item 0). No rating yet: not resolved."""
    rated = [r for r in readings if r.dissociation is not None or r.cadss6 is not None]
    if not rated:
        return False
    newest = rated[-1]
    return (newest.dissociation in (None, 0)) and (newest.cadss6 in (None, 0))


def _observation_start(session: TreatmentSession, dose: DoseRecord | None) -> dt.datetime | None:
    if dose is None:
        return None
    if session.route == "iv":
        return dose.ended_at
    return dose.started_at


def _dose_of(session: TreatmentSession) -> DoseRecord | None:
    try:
        return session.dose
    except DoseRecord.DoesNotExist:
        return None


ENTRY_KINDS = ("reading", "device", "event")


def entry_ref(kind: str, pk: int) -> str:
    """How an addendum names the entry it declares entered in error ("reading:12")."""
    return f"{kind}:{pk}"


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
    now = now or timezone.now()
    clinic = clinic or clinic_settings()

    def parts(manager: Any) -> list[Any]:
        if board or not _part_applies(session, manager.field.related_query_name()):
            return []
        return list(manager.all())

    history = parts(session.checkin_entries)
    entries: dict[str, CheckInEntry] = {}
    for entry in history:
        entries[entry.item] = entry
    required = checkin_required_items(session)
    labels = dict(CheckInItem.choices)
    missing = [labels[item] for item in required if item not in entries]
    addenda = parts(session.addenda)
    corrections = {a.corrects: a for a in addenda if a.corrects}
    readings_log = _marked(list(session.readings.all()), "reading", corrections)
    devices_log = _marked(parts(session.devices), "device", corrections)
    events_log = _marked(parts(session.adverse_events), "event", corrections)
    readings = [r for r in readings_log if not r.struck]
    alerts_log = list(session.alerts.all())
    struck_readings = {r.pk for r in readings_log if r.struck}
    alerts = [a for a in alerts_log if a.reading_id not in struck_readings]
    by_reading: dict[int, list[VitalAlert]] = {}
    for alert in alerts_log:
        alert.reading_struck = alert.reading_id in struck_readings
        by_reading.setdefault(alert.reading_id, []).append(alert)
    for reading in readings_log:
        reading.alert_list = by_reading.get(reading.pk, [])
    dose = _dose_of(session)
    limits = vital_limits(clinic)
    # A pre-dose reading entered in error was a real measurement with a wrong value: the
    # gate judges only readings taken after it, so a fresh reading is needed.
    predose_struck = [r for r in readings_log if r.struck and r.phase == ReadingPhase.PREDOSE]
    predose = [r for r in readings if r.phase == ReadingPhase.PREDOSE]
    predose_in_error = None
    if predose_struck:
        newest_struck = predose_struck[-1]
        predose = [r for r in predose if _after(r, newest_struck)]
        predose_in_error = None if predose else newest_struck
    baseline = predose[-1] if predose else None
    gate_time = dose.started_at if dose else now
    predose_vitals = monitoring.latest_vitals(
        [r.as_reading() for r in predose],
        now=gate_time,
        window_minutes=monitoring.PREDOSE_WINDOW_MINUTES,
    )
    gate = None
    override = None
    if baseline is not None:
        patient = session.patient
        age = patient.age_on(timezone.localdate(gate_time, clinic.zone))
        # Unknown age: the stricter (under-65) esketamine limit applies.
        gate = monitoring.predose_gate(
            predose_vitals, route=session.route, age=age or 0, limits=limits
        )
        # An override covers the reasons it was written for, on the newest pre-dose
        # reading; a new reason (or a new reading) needs a new decision.
        override = next(
            (
                o
                for o in parts(session.gate_overrides)
                if o.reading_id == baseline.pk and set(gate.reasons) <= set(o.reasons)
            ),
            None,
        )
    if hasattr(session, "has_urgent_alerts"):
        urgent = session.has_urgent_alerts
    else:
        urgent = UrgentAlert.objects.filter(
            patient_id=session.patient_id, acknowledged_at__isnull=True
        ).exists()
    due = monitoring.vitals_due(
        session.route,
        dose_started_at=dose.started_at if dose else None,
        reading_times=[r.taken_at for r in readings],
        now=now,
        has_baseline=baseline is not None,
        finished=session.discharged_at is not None,
    )
    monitored = [r for r in readings if dose is not None and r.taken_at >= dose.started_at]
    open_critical = [
        a for a in alerts if a.acknowledged_at is None and a.level == AlertLevel.CRITICAL
    ]
    discharge = monitoring.discharge_check(
        route=session.route,
        now=now,
        observation_from=_observation_start(session, dose),
        readings=[r.as_reading() for r in monitored],
        baseline=predose_vitals or None,
        dissociation_resolved=_dissociation_resolved(monitored),
        open_critical_alerts=len(open_critical),
        assessment={key: getattr(session, key) for key, _ in monitoring.DISCHARGE_ASSESSMENT},
        limits=limits,
        observation_minutes=session.plan.protocol.observation_minutes,
    )
    return SessionState(
        session=session,
        now=now,
        entries=entries,
        checkin_history=history,
        checkin_missing=missing,
        readings=readings,
        readings_log=readings_log,
        baseline=baseline,
        predose_vitals=predose_vitals,
        gate=gate,
        gate_override=override,
        dose=dose,
        devices=[d for d in devices_log if not d.struck],
        devices_log=devices_log,
        pauses=parts(session.pauses),
        alerts=alerts,
        alerts_log=alerts_log,
        adverse_events=[e for e in events_log if not e.struck],
        events_log=events_log,
        addenda=addenda,
        predose_in_error=predose_in_error,
        open_urgent_alert=urgent,
        due=due,
        discharge=discharge,
    )


def sessions_visible_to(user: User) -> QuerySet[TreatmentSession]:
    return TreatmentSession.objects.filter(patient__in=patients_visible_to(user))


def session_for_user(user: User, pk: int) -> TreatmentSession:
    """A session record the user may see, with every part prefetched; NotVisible otherwise."""
    session = _with_presence(_with_record(sessions_visible_to(user))).filter(pk=pk).first()
    if session is not None:
        prefetch_related_objects([session], *_part_prefetches(session))
    if session is None:
        patient_id = (
            TreatmentSession.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
        )
        raise NotVisible(
            patient_id=patient_id, object_type="treatment_sessions.session", object_id=pk
        )
    note_subject(patient_id=session.patient_id, object_type=session._meta.label_lower, object_id=pk)
    return session


def board_states(now: dt.datetime | None = None) -> list[SessionState]:
    """Every session in progress on the floor, plus any with an unacknowledged critical
    alert (those stay on the board until acknowledged). Constant query count."""
    now = now or timezone.now()
    # Two index-only lookups (the partial indexes on open sessions and open alerts)
    # rather than one OR with a sub-select, which PostgreSQL answers with a full scan.
    ids = set(
        TreatmentSession.objects.filter(discharged_at__isnull=True).values_list("pk", flat=True)
    ) | set(
        VitalAlert.objects.filter(
            level=AlertLevel.CRITICAL, acknowledged_at__isnull=True
        ).values_list("session_id", flat=True)
    )
    sessions = (
        _with_urgent_flag(TreatmentSession.objects.filter(pk__in=ids))
        .order_by("appointment__chair__name", "appointment__start")
        .select_related("appointment__chair", "appointment__nurse", "patient", "plan__protocol",
                        "dose")
        .prefetch_related(
            Prefetch("readings", queryset=VitalReading.objects.order_by("taken_at", "pk")),
            Prefetch(
                "alerts",
                queryset=VitalAlert.objects.select_related(
                    "reading", "reading__entered_in_error_by"
                ).order_by("recorded_at", "pk"),
            ),
        )
    )  # fmt: skip
    clinic = clinic_settings()
    return [state_of(session, now=now, clinic=clinic, board=True) for session in sessions]


@dataclass(frozen=True)
class RemsDue:
    session: TreatmentSession
    deadline: dt.date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left


REMS_WINDOW_DAYS = 7


def rems_forms_due(user: User) -> list[RemsDue]:
    """Esketamine sessions that ended and whose REMS form is not yet recorded as submitted."""
    zone = clinic_settings().zone
    today = timezone.localdate(timezone.now(), zone)
    submitted = RemsSubmission.objects.values("session_id")
    sessions = (
        sessions_visible_to(user)
        .filter(route=monitoring.ESKETAMINE, discharged_at__isnull=False)
        .exclude(pk__in=submitted)
        .select_related("patient", "appointment__chair")
        .order_by("discharged_at")
    )
    rows = []
    for session in sessions:
        deadline = timezone.localdate(session.discharged_at, zone) + dt.timedelta(
            days=REMS_WINDOW_DAYS
        )
        rows.append(RemsDue(session, deadline, (deadline - today).days))
    return rows


def arrivals_today(user: User, now: dt.datetime | None = None) -> list[Appointment]:
    """Today's booked appointments not yet checked in, for the board's arrivals list."""
    now = now or timezone.now()
    zone = clinic_settings().zone
    day = timezone.localdate(now, zone)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return list(
        Appointment.objects.filter(
            patient__in=patients_visible_to(user),
            status=AppointmentStatus.SCHEDULED,
            start__gte=start,
            start__lt=start + dt.timedelta(days=1),
        )
        .select_related("patient", "chair", "nurse", "plan")
        .order_by("start", "chair__name")
    )


def awaiting_cosign(user: User) -> list[TreatmentSession]:
    """Records the nurse signed and a psychiatrist has yet to co-sign; the user's own
    supervised sessions first, oldest first."""
    sessions = (
        sessions_visible_to(user)
        .filter(nurse_signed_at__isnull=False, cosigned_at__isnull=True)
        .select_related(
            "patient", "appointment__chair", "nurse_signed_by", "supervising_psychiatrist"
        )
        .order_by("nurse_signed_at")
    )
    return sorted(sessions, key=lambda s: s.supervising_psychiatrist_id != user.pk)
