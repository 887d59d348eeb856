"""Where a session takes place (controlled-substances.md §1): the location decides the DEA
registration the treatment gate checks and the REMS setting the form names."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from clinic import clock
from clinic.choices import JourneyState
from clinic.models import Chair, Location, Patient, User
from clinic.selectors import current_location, location_choice
from clinic.zones import zone_of
from intake.choices import Route
from sessions.models import Appointment, AppointmentStatus, TreatmentPlan, TreatmentSession


def session_location(session: TreatmentSession) -> Location | None:
    """The session's location: its appointment's chair's location (every chair belongs to
    one). A session whose appointment had no chair would be at the patient's home
    location. No query when the session was read with its appointment's chair's location
    (`session_for_user` does), else one; None only if neither is known."""
    if TreatmentSession.appointment.field.is_cached(session):
        appointment = session.appointment
        if Appointment.chair.field.is_cached(appointment) and Chair.location.field.is_cached(
            appointment.chair
        ):
            return appointment.chair.location
    location = Location.objects.filter(chairs__appointments__pk=session.appointment_id).first()
    if location is None and session.patient.home_location_id is not None:
        location = Location.objects.filter(pk=session.patient.home_location_id).first()
    return location


def session_zone(session: TreatmentSession) -> ZoneInfo:
    """The session's clock: its location's time zone (clinic/zones.py), the clinic's when
    no location is known. Times on its record are shown, typed and told in it."""
    return zone_of(session_location(session))


def booking_location(patient: Patient, user: User, asked: str | None = None) -> Location | None:
    """Where a new booking for the patient goes (a series, a booster): the location asked
    for on the page (`?at=<id>`, one the user may pick), else the patient's home location
    while it is active, else the location the user picked in the header. Every chair
    offered is there, so one series never mixes locations."""
    if asked:
        chosen = next((row for row in location_choice(user).choices if str(row.pk) == asked), None)
        if chosen is not None:
            return chosen
    if patient.home_location_id is not None:
        home = Location.objects.filter(pk=patient.home_location_id, is_active=True).first()
        if home is not None:
            return home
    return current_location(user)


def appointment_location(appointment: Appointment) -> Location | None:
    """Where a booked session is (its chair's location): a reschedule stays there."""
    return Location.objects.filter(chairs__pk=appointment.chair_id).first()


# A named-patient receipt is for a patient in treatment: planned, in their series, or
# between boosters (not paused, discharged or not yet planned).
_IN_TREATMENT = (JourneyState.PLAN, JourneyState.INDUCTION, JourneyState.MAINTENANCE)


def esketamine_patients_at(location: Location) -> QuerySet[Patient]:
    """The ids of the patients in treatment whose current plan is the nasal esketamine
    route and who are treated at `location`: their home location, no home location (a
    clinic that never set one), or a session booked at one of its chairs. A subquery for
    the ledger's receipt form (`controlled.selectors.named_patients`)."""
    latest_route = (
        TreatmentPlan.objects.filter(patient=OuterRef("pk")).order_by("-version").values("route")
    )
    booked_here = Appointment.objects.filter(
        patient=OuterRef("pk"),
        chair__location=location,
        status=AppointmentStatus.SCHEDULED,
        start__gte=clock.now(),
    )
    return (
        Patient.objects.filter(journey_state__in=_IN_TREATMENT)
        .annotate(route=Subquery(latest_route[:1]))
        .filter(route=Route.INTRANASAL_ESKETAMINE)
        .filter(Q(home_location=location) | Q(home_location__isnull=True) | Exists(booked_here))
        .values("pk")
    )
