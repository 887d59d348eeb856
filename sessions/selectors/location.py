"""Where a session takes place (controlled-substances.md §1): the location decides the DEA
registration the treatment gate checks and the REMS setting the form names."""

from __future__ import annotations

from clinic.models import Chair, Location
from sessions.models import Appointment, TreatmentSession


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
