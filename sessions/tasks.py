"""Background work of the session record: notifying the supervising psychiatrist of a
critical alert or a serious adverse event. Messages carry the minimum: chair, time and a
link (no name, no vital values, no diagnosis)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from clinic.choices import Role
from clinic.models import User
from clinic.notifications.email import send_templated_email
from clinic.selectors import clinic_settings
from sessions.models import AdverseEvent, TreatmentSession, VitalAlert


def _recipients(session: TreatmentSession) -> list[str]:
    """The supervising psychiatrist; every psychiatrist if none is assigned or reachable."""
    psychiatrist = session.supervising_psychiatrist
    if psychiatrist is not None and psychiatrist.is_active and psychiatrist.email:
        return [psychiatrist.email]
    return list(
        User.objects.filter(is_active=True, staff_roles__role=Role.PSYCHIATRIST)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _notify(session: TreatmentSession, what: str, at: object) -> int:
    recipients = _recipients(session)
    if not recipients:
        return 0
    context = {
        "clinic_name": clinic_settings().name,
        "what": what,
        "chair": session.appointment.chair.name,
        "record_number": session.patient.mrn,
        "at": at,
        "link": settings.SITE_URL + reverse("session_record", args=[session.pk]),
    }
    send_templated_email("session_alert", context, recipients)
    return len(recipients)


@shared_task(
    name="sessions.notify_critical_alert",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_critical_alert(alert_id: int) -> int:
    """Email the supervising psychiatrist about a critical vital-sign alert."""
    alert = VitalAlert.objects.select_related(
        "session__supervising_psychiatrist", "session__appointment__chair", "session__patient"
    ).get(pk=alert_id)
    if alert.acknowledged_at is not None:
        return 0
    return _notify(alert.session, "A critical vital-sign alert", alert.recorded_at)


@shared_task(
    name="sessions.notify_serious_event",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_serious_event(event_id: int) -> int:
    """Email the supervising psychiatrist about a serious adverse event."""
    event = AdverseEvent.objects.select_related(
        "session__supervising_psychiatrist", "session__appointment__chair", "session__patient"
    ).get(pk=event_id)
    return _notify(event.session, "A serious adverse event", event.onset_at)
