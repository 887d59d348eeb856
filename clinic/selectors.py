"""Reads of the core domain: scoped, prefetching querysets and small read models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from clinic import clock, permissions
from clinic.choices import (
    AccountType,
    JourneyState,
    ReminderStatus,
    Role,
)
from clinic.context import note_subject
from clinic.hours import closed_days, closure_at, upcoming_closures
from clinic.models import (
    AuditEvent,
    Chair,
    ClinicSettings,
    Closure,
    Document,
    Location,
    OpeningHours,
    Patient,
    Reminder,
    User,
)
from clinic.models.clinic_setup import DEA_WARNING_DAYS
from clinic.notifications.kinds import clinical_kinds
from clinic.policy import NotVisible, may, patients_visible_to

# The settings row read once per request: the time-zone middleware reads it and every
# later `clinic_settings()` in the same request reuses it (see `request_clinic_settings`).
_request_clinic: ContextVar[ClinicSettings | None] = ContextVar("request_clinic", default=None)


@contextmanager
def request_clinic_settings() -> Iterator[ClinicSettings]:
    """Within a request: one read of the settings row, shared by everything the request
    does. (The row is edited in the admin site, whose save answers with a redirect, so
    no request reads it again after changing it.)"""
    token = _request_clinic.set(_load_clinic_settings())
    try:
        yield _request_clinic.get()
    finally:
        _request_clinic.reset(token)


def clinic_settings() -> ClinicSettings:
    """The clinic's settings row, created with defaults on first use."""
    shared = _request_clinic.get()
    if shared is not None:
        return shared
    return _load_clinic_settings()


# Feature apps keep their own per-clinic settings in a row of their own that points at
# ClinicSettings one-to-one (sessions: its vital-sign limits). Registered here by the
# reverse name, from the app's `AppConfig.ready()`, such a row comes with the settings row
# in its one query, so reading it costs a page nothing.
_SETTINGS_RELATIONS: list[str] = []


def register_settings_relation(name: str) -> None:
    """Have every read of the settings row also fetch the one-to-one row `name`."""
    if name not in _SETTINGS_RELATIONS:
        _SETTINGS_RELATIONS.append(name)


def _load_clinic_settings() -> ClinicSettings:
    clinic = ClinicSettings.objects.select_related(*_SETTINGS_RELATIONS).filter(pk=1).first()
    if clinic is None:
        from django.conf import settings

        clinic, _ = ClinicSettings.objects.get_or_create(
            pk=1, defaults={"time_zone": settings.TIME_ZONE}
        )
    return clinic


def patients_with_team() -> QuerySet[Patient]:
    return Patient.objects.select_related("psychiatrist", "therapist", "user")


@dataclass(frozen=True)
class PatientSearch:
    query: str = ""
    date_of_birth: dt.date | None = None
    journey_state: str = ""


def patient_list(user: User, search: PatientSearch) -> QuerySet[Patient]:
    """The patients this user may see, filtered by name / date of birth / journey state."""
    patients = patients_visible_to(user).select_related("psychiatrist", "therapist")
    for term in search.query.split():
        patients = patients.filter(
            Q(legal_first_name__icontains=term)
            | Q(legal_last_name__icontains=term)
            | Q(preferred_name__icontains=term)
            | Q(mrn__iexact=term)
        )
    if search.date_of_birth:
        patients = patients.filter(date_of_birth=search.date_of_birth)
    if search.journey_state:
        patients = patients.filter(journey_state=search.journey_state)
    return patients.order_by("legal_last_name", "legal_first_name", "pk")


def paginate(queryset: QuerySet, page_number: str | None, per_page: int = 25) -> Page:
    return Paginator(queryset, per_page).get_page(page_number)


def journey_counts(user: User) -> dict[str, int]:
    """Patients per journey state, within the user's scope (every state listed)."""
    counts = dict(
        patients_visible_to(user)
        .order_by()
        .values_list("journey_state")
        .annotate(n=Count("pk"))
        .values_list("journey_state", "n")
    )
    return {state: counts.get(state, 0) for state in JourneyState.values}


def awaiting_review(user: User, limit: int = 10) -> QuerySet[Patient]:
    """Patients waiting for an eligibility decision, longest-waiting first."""
    return (
        patients_visible_to(user)
        .filter(journey_state=JourneyState.AWAITING_REVIEW)
        .select_related("psychiatrist")
        .order_by("journey_state_since")[:limit]
    )


def recently_changed(user: User, states: list[str], limit: int = 10) -> QuerySet[Patient]:
    return (
        patients_visible_to(user)
        .filter(journey_state__in=states)
        .select_related("psychiatrist", "therapist")
        .order_by("-journey_state_since")[:limit]
    )


def my_patients(user: User, role: str, limit: int = 50) -> QuerySet[Patient]:
    """Patients whose care team names this user in `role`."""
    field = "psychiatrist" if role == Role.PSYCHIATRIST else "therapist"
    return (
        patients_visible_to(user)
        .filter(**{field: user})
        .exclude(journey_state=JourneyState.DISCHARGED)
        .select_related("psychiatrist", "therapist")
        .order_by("legal_last_name", "legal_first_name")[:limit]
    )


@dataclass(frozen=True)
class ClinicDay:
    """A day at one location: its hours and closure (its own or clinic-wide), its chairs."""

    location: Location | None
    date: dt.date
    hours: OpeningHours | None
    closure: Closure | None
    chairs: list[Chair]

    # When closed: the next day the location opens, and its hours (None: none in sight).
    next_open: tuple[dt.date, OpeningHours] | None = None

    @property
    def is_open(self) -> bool:
        return self.hours is not None and self.closure is None


# How far ahead the home page looks for the next open day (a long closure is rare).
NEXT_OPEN_HORIZON_DAYS = 60


def clinic_day(location: Location | None, day: dt.date | None = None) -> ClinicDay:
    """Today at `location` (its own date, or `day`): hours, closure, chairs, and when it is
    closed the next open day, so a closed day always says when it opens again. With no
    location (a clinic not set up yet) every day is closed."""
    day = day or clock.localdate(location.zone if location else None)
    location_id = location.pk if location else None
    hours = {row.weekday: row for row in OpeningHours.objects.filter(location_id=location_id)}
    horizon = day + dt.timedelta(days=NEXT_OPEN_HORIZON_DAYS)
    closed = closed_days([location_id] if location else [], first=day, last=horizon)
    closed_here = closed.get(location_id, {})
    today_hours = hours.get(day.weekday())
    closure = closure_at(location_id, day) if day in closed_here else None
    next_open = None
    if today_hours is None or closure is not None:
        for offset in range(1, NEXT_OPEN_HORIZON_DAYS + 1):
            later = day + dt.timedelta(days=offset)
            if later.weekday() in hours and later not in closed_here:
                next_open = (later, hours[later.weekday()])
                break
    return ClinicDay(
        location=location,
        date=day,
        hours=today_hours,
        closure=closure,
        chairs=list(Chair.objects.filter(is_active=True, location_id=location_id)),
        next_open=next_open,
    )


def location_closures(location: Location | None, limit: int = 5) -> list[Closure]:
    """The next closures of the location (its own and the clinic-wide ones)."""
    today = clock.localdate(location.zone if location else None)
    return upcoming_closures(location.pk if location else None, today, limit)


@dataclass(frozen=True)
class LocationChoice:
    """The location picker of one staff member: the locations they may pick (their own
    active ones, or every active one when assigned to none or allowed any) and the one
    their schedule, board and lists show now."""

    current: Location | None
    choices: tuple[Location, ...]

    @property
    def offered(self) -> bool:
        """The picker shows only when there is a choice to make."""
        return len(self.choices) > 1


def work_locations(user: User) -> QuerySet[Location]:
    """The active locations the user works at: the ones they are assigned to; every
    active one for a user assigned to none (a clinic that never assigned staff). The one
    answer to "where does this person work" (the picker below and the controlled-substance
    ledger's scope ask it). Lazy, no query of its own until read (usable as a subquery)."""
    assigned = Location.objects.filter(is_active=True, staff=user).values("pk")
    return (
        Location.objects.filter(is_active=True)
        .filter(Q(pk__in=assigned) | ~Exists(assigned))
        .order_by("pk")
    )


def location_choice(user: User) -> LocationChoice:
    """The user's location picker, read in one query and kept on the user object for the
    rest of the request (the header and the page share it): the locations they work at
    (`work_locations`), or every active one for a user who may pick any. The remembered
    location (`User.current_location`) counts while the user may still pick it; otherwise
    the first location they work at."""
    cached = getattr(user, "_location_choice", None)
    if cached is not None:
        return cached
    rows = list(
        Location.objects.filter(is_active=True)
        .annotate(works_here=Exists(work_locations(user).filter(pk=OuterRef("pk"))))
        .order_by("pk")
    )
    works_at = [row for row in rows if row.works_here]
    choices = rows if may(user, permissions.PICK_ANY_LOCATION) else works_at
    default = (works_at or [None])[0]
    current = next((row for row in choices if row.pk == user.current_location_id), default)
    choice = LocationChoice(current=current, choices=tuple(choices))
    user._location_choice = choice
    return choice


def current_location(user: User) -> Location | None:
    """The location whose calendar, board and lists the user sees (None only when the
    clinic has no active location)."""
    return location_choice(user).current


def forget_location_choice(user: User) -> None:
    """Drop the picker kept on the user object (after the user picks another)."""
    if getattr(user, "_location_choice", None) is not None:
        del user._location_choice


@dataclass(frozen=True)
class DeaAlert:
    """A location whose DEA registration needs the admin: "danger" when dosing is blocked
    there (missing or expired), "warning" within 60 days of expiry."""

    level: str
    location: Location
    text: str


def dea_alerts() -> list[DeaAlert]:
    """The active locations whose DEA registration is missing, expired or expires within
    `DEA_WARNING_DAYS` days, each by its own local date (one query)."""
    alerts = []
    for location in Location.objects.filter(is_active=True).order_by("pk"):
        today = timezone.localdate(clock.now(), location.zone)
        problem = location.dea_problem(today)
        if problem:
            alerts.append(DeaAlert("danger", location, problem))
            continue
        days = (location.dea_expires_on - today).days
        if days <= DEA_WARNING_DAYS:
            when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            alerts.append(
                DeaAlert(
                    "warning",
                    location,
                    f"The DEA registration of {location.name} ({location.dea_number}) expires "
                    f"{when}, on {location.dea_expires_on:%-d %B %Y}: renew it, then enter "
                    "the new expiry date. Dosing there stops the day after it expires.",
                )
            )
    return alerts


def staff_overview() -> QuerySet[User]:
    """Staff accounts with their roles, for the admin home page."""
    return (
        User.objects.filter(account_type="staff")
        .prefetch_related("staff_roles", "totpdevice_set")
        .order_by("last_name", "first_name")
    )


@dataclass(frozen=True)
class AuditFilter:
    patient_mrn: str = ""
    user_id: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_events(search: AuditFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("user", "patient")
    if search.patient_mrn:
        events = events.filter(patient__mrn__iexact=search.patient_mrn.strip())
    if search.user_id:
        events = events.filter(user_id=search.user_id)
    if search.action:
        events = events.filter(action=search.action)
    zone = timezone.get_current_timezone()
    if search.date_from:
        start = dt.datetime.combine(search.date_from, dt.time.min, tzinfo=zone)
        events = events.filter(occurred_at__gte=start)
    if search.date_to:
        end = dt.datetime.combine(search.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        events = events.filter(occurred_at__lt=end)
    return events.order_by("-id")


def staff_usernames(names: set[str]) -> set[str]:
    """Which of these usernames are staff accounts."""
    if not names:
        return set()
    return set(
        User.objects.filter(username__in=names, account_type=AccountType.STAFF).values_list(
            "username", flat=True
        )
    )


def _reminders_visible_to(user: User) -> QuerySet[Reminder]:
    """A coordinator sees scheduling messages, not that a clinical alert went out about a
    patient (an urgent suicide-risk alert is a clinical fact)."""
    reminders = Reminder.objects.all()
    if not may(user, permissions.SEE_CLINICAL_REMINDERS):
        reminders = reminders.exclude(kind__in=clinical_kinds())
    return reminders


def reminder_history(patient: Patient, user: User) -> QuerySet[Reminder]:
    return (
        _reminders_visible_to(user)
        .filter(patient=patient)
        .select_related("recipient")
        .order_by("-due_at", "-pk")
    )


def failed_reminders(user: User) -> QuerySet[Reminder]:
    """Failed reminders about patients this user may see, and those to staff."""
    return (
        _reminders_visible_to(user)
        .filter(status=ReminderStatus.FAILED)
        .filter(Q(patient__isnull=True) | Q(patient__in=patients_visible_to(user)))
        .select_related("patient", "recipient")
        .order_by("-due_at")
    )


# --- Scoped patient lookups: out of scope, NotVisible (clinic.access answers 404) ---


def patient_for_user(
    user: User,
    pk: int | str,
    *,
    queryset: QuerySet[Patient] | None = None,
    object_type: str = "clinic.patient",
) -> Patient:
    """One patient within the user's scope, or NotVisible (answered 404 and audited)."""
    scoped = patients_visible_to(user)
    if queryset is not None:
        scoped = queryset & scoped
    try:
        patient = scoped.get(pk=int(pk))
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise NotVisible(patient_id=pk, object_type=object_type, object_id=pk) from None
    note_subject(patient_id=patient.pk, object_type=object_type, object_id=patient.pk)
    return patient


def own_patient(user: User, *, object_type: str = "clinic.patient") -> Patient:
    """The patient record of a signed-in patient login (`object_type` names the page's
    view row, e.g. "portal.home")."""
    found = Patient.objects.filter(user=user).select_related("psychiatrist", "therapist").first()
    if found is None:
        raise NotVisible(patient_id=None, object_type="clinic.patient", object_id="own")
    note_subject(patient_id=found.pk, object_type=object_type, object_id=found.pk)
    return found


def document_for_user(user: User, pk: int) -> Document:
    """One document whose kind this user may read, about a patient in their scope, or
    NotVisible (answered 404 and audited)."""
    from clinic.documents import DOCUMENT_KINDS

    document = Document.objects.select_related("patient", "requested_by").filter(pk=pk).first()
    kind = DOCUMENT_KINDS.get(document.kind) if document is not None else None
    if document is None or kind is None or not kind.readable_by(user, document.patient):
        raise NotVisible(
            patient_id=document.patient_id if document else None,
            object_type="clinic.document",
            object_id=pk,
        )
    note_subject(patient_id=document.patient_id, object_type="clinic.document", object_id=pk)
    return document
