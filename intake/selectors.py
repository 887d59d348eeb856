"""Reads of the intake app, scoped to the user."""

from __future__ import annotations

from django.db.models import QuerySet

from clinic.access import patients_visible_to
from clinic.choices import Role
from clinic.models import Patient, User
from intake.models import Intake, Invitation, UrgentAlert


def invitations_for(user: User) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(patient__in=patients_visible_to(user))
        .select_related("patient", "created_by")
        .order_by("-created_at")
    )


def open_urgent_alerts(user: User) -> QuerySet[UrgentAlert]:
    """Unacknowledged alerts a psychiatrist must see (none for other roles)."""
    if not user.is_authenticated or not user.has_role(Role.PSYCHIATRIST):
        return UrgentAlert.objects.none()
    return (
        UrgentAlert.objects.filter(
            acknowledged_at__isnull=True, patient__in=patients_visible_to(user)
        )
        .select_related("patient")
        .order_by("raised_at")
    )


def urgent_alerts_of(patient: Patient) -> QuerySet[UrgentAlert]:
    return patient.urgent_alerts.select_related("acknowledged_by").order_by("-raised_at")


def intake_of(patient: Patient) -> Intake | None:
    return Intake.objects.filter(patient=patient).first()
