"""A patient's appointments: all of them, the next ones (the portal's next session),
the completed count, one appointment as the user may see it, and the sessions
cancelled when eligibility changed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from clinic import clock
from clinic.context import note_subject
from clinic.models import Patient, User
from clinic.policy import NotVisible, patients_visible_to
from clinic.selectors import clinic_settings
from sessions.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
)
from sessions.models.scheduling import ELIGIBILITY_CANCEL_PREFIX


def patient_appointments(patient: Patient) -> list[Appointment]:
    return list(
        Appointment.objects.filter(patient=patient)
        .select_related("chair__location", "nurse", "plan", "rescheduled_from", "treatment_session")
        .order_by("start", "pk")
    )


def appointment_for_user(user: User, pk: int) -> Appointment:
    """One appointment of a patient the user may see, or NotVisible."""
    found = (
        Appointment.objects.filter(patient__in=patients_visible_to(user), pk=pk)
        .select_related("patient", "chair__location", "plan__protocol", "nurse")
        .first()
    )
    if found is None:
        patient_id = Appointment.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
        raise NotVisible(
            patient_id=patient_id, object_type="treatment_sessions.appointment", object_id=pk
        )
    note_subject(patient_id=found.patient_id, object_type=found._meta.label_lower, object_id=pk)
    return found


def upcoming_for_patient(patient: Patient) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.SCHEDULED, end__gte=clock.now()
        )
        .select_related("chair__location", "plan")
        .order_by("start")
    )


def portal_next_session(patient: Patient) -> dict[str, object]:
    """The patient's next booked session, for the portal's next-step sentence."""
    upcoming = (
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.SCHEDULED, start__gt=clock.now()
        )
        .order_by("start")
        .values("start", "kind", "chair__location__time_zone")
        .first()
    )
    if upcoming is None:
        return {}
    # On the clock of the location the patient goes to.
    zone = upcoming["chair__location__time_zone"]
    return {
        "next_session_at": timezone.localtime(
            upcoming["start"], ZoneInfo(zone) if zone else clinic_settings().zone
        ),
        "next_session_is_booster": upcoming["kind"] == AppointmentKind.BOOSTER,
    }


def completed_count(patient: Patient) -> int:
    return Appointment.objects.filter(patient=patient, status=AppointmentStatus.COMPLETED).count()


ELIGIBILITY_CANCELLATION_DAYS = 30


def eligibility_cancellations(user: User) -> QuerySet[Appointment]:
    """Sessions cancelled in the last 30 days because a psychiatrist declined the patient or
    asked for more information (coordinators tell the patient and free the chair plans)."""
    since = clock.now() - dt.timedelta(days=ELIGIBILITY_CANCELLATION_DAYS)
    return (
        Appointment.objects.filter(
            patient__in=patients_visible_to(user),
            status=AppointmentStatus.CANCELLED,
            cancel_reason__startswith=ELIGIBILITY_CANCEL_PREFIX,
            start__gte=since,
        )
        .select_related("patient", "chair__location")
        .order_by("start")
    )
