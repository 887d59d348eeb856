"""Reads of integration therapy: who may see which note, the caseload, a patient's
timeline, what the portal shows, and the measures behind the outcome charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from clinic.context import note_subject
from clinic.models import Patient, User
from clinic.policy import NotVisible, may, patients_visible_to
from intake.measures import GAD7, PCL5, PHQ9
from intake.models import MeasureContext, MeasureResult
from integration import outcomes
from integration.models import (
    GroupSession,
    IntegrationNote,
    NoteAddendum,
    NoteStatus,
    OutcomesSnapshot,
)
from integration.permissions import READ_EVERY_SIGNED_NOTE, READ_NOTES, WRITE_NOTES
from sessions.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    TreatmentPlan,
    TreatmentSession,
)
from sessions.scheduling import SERIES_SESSIONS, induction_finished


def notes_visible_to(user: User) -> QuerySet[IntegrationNote]:
    """Drafts: the author only. Signed notes: the author, the patient's therapist, and
    psychiatrists. Never coordinators, nurses, admins or patients (who see only the
    shared parts, through `shared_with_patient`)."""
    if not may(user, READ_NOTES):
        return IntegrationNote.objects.none()
    visible = Q(author=user, status__in=[NoteStatus.DRAFT, NoteStatus.SIGNED])
    signed = Q(status=NoteStatus.SIGNED)
    if may(user, READ_EVERY_SIGNED_NOTE):
        visible |= signed
    if may(user, WRITE_NOTES):
        # A therapist reads the signed notes of their own caseload, whoever wrote them.
        visible |= signed & Q(patient__therapist=user)
    return IntegrationNote.objects.filter(visible)


def note_for_user(user: User, pk: int) -> IntegrationNote:
    """One note the user may read (see `notes_visible_to`), or NotVisible."""
    note = (
        notes_visible_to(user)
        .select_related("patient", "author", "group")
        .prefetch_related(
            Prefetch("sessions", queryset=TreatmentSession.objects.select_related("appointment")),
            Prefetch("addenda", queryset=NoteAddendum.objects.select_related("author")),
        )
        .filter(pk=pk)
        .first()
    )
    if note is None:
        patient_id = (
            IntegrationNote.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
        )
        raise NotVisible(
            patient_id=patient_id, object_type="integration.integrationnote", object_id=pk
        )
    note_subject(patient_id=note.patient_id, object_type=note._meta.label_lower, object_id=pk)
    return note


def patient_notes(user: User, patient: Patient) -> list[IntegrationNote]:
    return list(
        notes_visible_to(user)
        .filter(patient=patient)
        .select_related("author", "group")
        .prefetch_related(
            Prefetch("sessions", queryset=TreatmentSession.objects.select_related("appointment")),
            Prefetch("addenda", queryset=NoteAddendum.objects.select_related("author")),
        )
        .order_by("-date", "-pk")
    )


def patient_sessions_for_notes(patient: Patient) -> list[TreatmentSession]:
    """The patient's treatment sessions, newest first (the timeline's other column and the
    choices for linking a note)."""
    return list(
        TreatmentSession.objects.filter(patient=patient)
        .select_related("appointment", "plan")
        .order_by("-opened_at")
    )


@dataclass(frozen=True)
class CaseloadRow:
    patient: Patient
    last_note: dt.date | None
    next_session: dt.datetime | None
    drafts: int


CASELOAD_PAGE = 50


def caseload(user: User, page_number: object = 1) -> tuple[Page, list[CaseloadRow]]:
    """One page of the therapist's patients with their last signed note, next session
    and unsigned drafts (four queries whatever the caseload's size)."""
    patients = Patient.objects.filter(therapist=user).order_by(
        "legal_last_name", "legal_first_name", "pk"
    )
    page = Paginator(patients, CASELOAD_PAGE).get_page(page_number)
    ids = [patient.pk for patient in page]
    last_notes = dict(
        IntegrationNote.objects.filter(patient_id__in=ids, status=NoteStatus.SIGNED)
        .values("patient_id")
        .annotate(last=Max("date"))
        .values_list("patient_id", "last")
    )
    drafts = dict(
        IntegrationNote.objects.filter(patient_id__in=ids, status=NoteStatus.DRAFT, author=user)
        .values("patient_id")
        .annotate(count=Count("pk"))
        .values_list("patient_id", "count")
    )
    upcoming = dict(
        Appointment.objects.filter(
            patient_id__in=ids, status=AppointmentStatus.SCHEDULED, start__gte=timezone.now()
        )
        .values("patient_id")
        .annotate(first=Min("start"))
        .values_list("patient_id", "first")
    )
    rows = [
        CaseloadRow(p, last_notes.get(p.pk), upcoming.get(p.pk), drafts.get(p.pk, 0)) for p in page
    ]
    return page, rows


def my_drafts(user: User) -> list[IntegrationNote]:
    return list(
        IntegrationNote.objects.filter(author=user, status=NoteStatus.DRAFT)
        .select_related("patient")
        .order_by("-updated_at")
    )


@dataclass(frozen=True)
class SharedNote:
    date: dt.date
    therapist: str
    intentions: str
    practices: str


def shared_with_patient(patient: Patient) -> list[SharedNote]:
    """Only what the therapist marked "share with patient", from signed notes."""
    notes = (
        IntegrationNote.objects.filter(patient=patient, status=NoteStatus.SIGNED)
        .filter(Q(share_intentions=True) | Q(share_practices=True))
        .select_related("author")
        .order_by("-date", "-pk")
    )
    return [
        SharedNote(
            date=note.date,
            therapist=note.author.display_name,
            intentions=note.intentions if note.share_intentions else "",
            practices=note.practices if note.share_practices else "",
        )
        for note in notes
        if (note.share_intentions and note.intentions) or (note.share_practices and note.practices)
    ]


def group_for_user(user: User, pk: int) -> GroupSession:
    """A group meeting the user facilitated or may see a participant's note of, or
    NotVisible (a group holds notes about several patients, so it names none)."""
    group = GroupSession.objects.select_related("facilitator").filter(pk=pk).first()
    if group is None or (
        group.facilitator_id != user.pk and not notes_visible_to(user).filter(group=group).exists()
    ):
        raise NotVisible(patient_id=None, object_type="integration.groupsession", object_id=pk)
    note_subject(patient_id=None, object_type=group._meta.label_lower, object_id=pk)
    return group


def group_roster(user: User, group: GroupSession) -> list[tuple[Patient, IntegrationNote | None]]:
    """Each participant, with their note when this user may see it."""
    visible = set(notes_visible_to(user).filter(group=group).values_list("pk", flat=True))
    notes = (
        IntegrationNote.objects.filter(group=group)
        .select_related("patient")
        .order_by("patient__legal_last_name")
    )
    return [(note.patient, note if note.pk in visible else None) for note in notes]


# --- Measures and outcomes --------------------------------------------------------------

INSTRUMENTS = (PHQ9, GAD7, PCL5)


@dataclass(frozen=True)
class PatientOutcomes:
    trends: list[tuple[outcomes.Trend, outcomes.Chart]]
    session_days: list[dt.date]


def patient_outcomes(patient: Patient) -> PatientOutcomes:
    """A trend and chart per instrument the patient has scores for."""
    rows = MeasureResult.objects.filter(patient=patient).values_list(
        "instrument", "taken_at", "total", "context"
    )
    sessions = list(
        TreatmentSession.objects.filter(
            patient=patient, appointment__status=AppointmentStatus.COMPLETED
        )
        .values_list("appointment__start", flat=True)
        .order_by("appointment__start")
    )
    first_dose = sessions[0] if sessions else None
    zone = timezone.get_current_timezone()
    days = [timezone.localtime(start, zone).date() for start in sessions]
    trends = []
    for instrument in INSTRUMENTS:
        scores = [
            outcomes.Score(timezone.localtime(taken, zone), total, context)
            for code, taken, total, context in rows
            if code == instrument
        ]
        if not scores:
            continue
        data = outcomes.trend(instrument, scores, first_dose)
        trends.append((data, outcomes.chart(instrument, data, days)))
    return PatientOutcomes(trends, days)


# The clinic outcomes report reads every finished series (about 200 ms at 10,000
# patients), so a beat task calculates it every 5 minutes and the page shows the latest
# calculation with its time (`services.clinic_outcomes_refresh`).
OUTCOMES_REFRESH_MINUTES = 5


@dataclass(frozen=True)
class OutcomesReport:
    rows: list[outcomes.ProtocolOutcome]
    as_of: dt.datetime

    @property
    def fresh_minutes(self) -> int:
        return OUTCOMES_REFRESH_MINUTES

    @property
    def stale(self) -> bool:
        """Older than two refreshes: the beat task has not run (a worker down)."""
        return timezone.now() - self.as_of > dt.timedelta(minutes=2 * OUTCOMES_REFRESH_MINUTES)


def clinic_outcomes_report() -> OutcomesReport | None:
    """The latest background calculation, or None before the first one."""
    snapshot = OutcomesSnapshot.objects.first()
    if snapshot is None:
        return None
    return OutcomesReport(
        rows=[outcomes.ProtocolOutcome(**row) for row in snapshot.rows],
        as_of=snapshot.calculated_at,
    )


def clinic_outcomes() -> list[outcomes.ProtocolOutcome]:
    """Per protocol: patients who finished induction and their PHQ-9 response/remission.

    One statement, so the page costs the same at ten patients or ten thousand: each
    patient's completed induction sessions are grouped with the facts the rule needs
    (how many, the plan's series length, whether another induction session is still
    booked), then each series looks up its baseline and its post-series score through
    the (patient, instrument, taken_at) index. Who finished is decided by
    `sessions.scheduling.induction_finished`, the rule that moves a patient to
    maintenance. The baseline follows `outcomes.baseline_of` (the latest intake score,
    else the first score at or before the first dose); the post-series score is the first
    at or after the last induction session."""
    # A patient whose plan changed protocol mid-series counts once, under the protocol
    # of their latest finished series.
    latest: dict[int, tuple] = {}
    for row in _series_rows():
        patient_id, name, last_start, done, length, more_booked, baseline, after = row
        if not induction_finished(
            completed=done, series_length=length, more_booked=bool(more_booked)
        ):
            continue
        if patient_id not in latest or last_start > latest[patient_id][0]:
            latest[patient_id] = (last_start, name, baseline, after)
    results = [
        outcomes.SeriesResult(protocol=name, baseline=baseline, after=after)
        for _, name, baseline, after in latest.values()
    ]
    return outcomes.outcomes_by_protocol(results)


def _series_rows() -> list[tuple]:
    """Each patient's completed induction series per protocol, with whether another
    induction session is still booked, the PHQ-9 baseline and the post-series score."""
    appointment = Appointment._meta.db_table
    plan = Appointment._meta.get_field("plan").related_model
    protocol = plan._meta.get_field("protocol").related_model
    measure = MeasureResult._meta.db_table
    phq9 = "m.patient_id = s.patient_id AND m.instrument = %s"
    # Table names come from the models' metadata; every value is a query parameter.
    sql = f"""
        WITH series AS (
            SELECT a.patient_id, pr.name AS protocol, p.series_length,
                   COUNT(*) AS done, MIN(a.start) AS first_start, MAX(a.start) AS last_start
            FROM {appointment} a
            JOIN {plan._meta.db_table} p ON p.id = a.plan_id
            JOIN {protocol._meta.db_table} pr ON pr.id = p.protocol_id
            WHERE a.kind = %s AND a.status = %s
            GROUP BY a.patient_id, pr.name, p.series_length
            HAVING COUNT(*) >= %s
        )
        SELECT s.patient_id, s.protocol, s.last_start, s.done, s.series_length,
            EXISTS (SELECT 1 FROM {appointment} b WHERE b.patient_id = s.patient_id
                    AND b.kind = %s AND b.status IN (%s, %s) AND b.start > s.last_start)
                AS more_booked,
            COALESCE(
                (SELECT m.total FROM {measure} m WHERE {phq9} AND m.context = %s
                 ORDER BY m.taken_at DESC, m.id DESC LIMIT 1),
                (SELECT m.total FROM {measure} m WHERE {phq9}
                 AND m.taken_at <= s.first_start ORDER BY m.taken_at, m.id LIMIT 1)
            ) AS baseline,
            (SELECT m.total FROM {measure} m WHERE {phq9}
             AND m.taken_at >= s.last_start ORDER BY m.taken_at, m.id LIMIT 1) AS after
        FROM series s
    """  # noqa: S608
    params = [
        AppointmentKind.INDUCTION,
        AppointmentStatus.COMPLETED,
        SERIES_SESSIONS[0],  # fewer can never have finished
        AppointmentKind.INDUCTION,
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CHECKED_IN,
        PHQ9,
        MeasureContext.INTAKE,
        PHQ9,
        PHQ9,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def caseload_patients(user: User) -> QuerySet[Patient]:
    """The patients a therapist may add to a group: their caseload, by name."""
    return patients_visible_to(user).order_by("legal_last_name", "legal_first_name")


def next_session(patient: Patient) -> Appointment | None:
    """The patient's next booked session or booster (the questionnaires come before it)."""
    return (
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.SCHEDULED, start__gte=timezone.now()
        )
        .order_by("start")
        .first()
    )


def instruments_for(patient: Patient) -> list[str]:
    """PHQ-9 always; GAD-7 and PCL-5 as the current treatment plan asks."""
    plan = TreatmentPlan.objects.filter(patient=patient).order_by("-version").first()
    extra = plan.extra_measures if plan else []
    return [PHQ9] + [code for code in (GAD7, PCL5) if code in extra]
