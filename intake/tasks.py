"""Background work of the intake: invitation emails and urgent-alert notifications.

Tasks take ids and read what they need; messages carry the minimum (no diagnosis, no
screening result, no answers).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from clinic.notifications.email import send_templated_email
from clinic.notifications.sms import send_sms
from clinic.selectors import clinic_settings
from intake.models import Invitation, InvitationStatus


@shared_task(
    name="intake.send_invitation", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_invitation(invitation_id: int) -> str:
    """Email (and text, if a mobile was given) the patient their invitation link."""
    from intake.services.invitations import invitation_mark_sent, invitation_token

    invitation = Invitation.objects.select_related("patient").get(pk=invitation_id)
    if invitation.status != InvitationStatus.PENDING:
        return "skipped"
    clinic = clinic_settings()
    link = settings.SITE_URL + reverse("invitation_accept", args=[invitation_token(invitation)])
    context = {
        "first_name": invitation.patient.first_name,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "link": link,
        "expires_at": invitation.expires_at,
    }
    if invitation.email:
        send_templated_email("invitation", context, [invitation.email])
    if invitation.mobile:
        send_sms(
            invitation.mobile,
            f"{clinic.name}: {invitation.patient.first_name}, start your intake here: {link}",
        )
    invitation_mark_sent(invitation_id=invitation.pk)
    return "sent"


@shared_task(
    name="intake.notify_patient_of_decision",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_patient_of_decision(decision_id: int) -> str:
    """Tell the patient there is news in their portal (never the decision's reasons)."""
    from intake.models import EligibilityDecision

    decision = EligibilityDecision.objects.select_related("patient").get(pk=decision_id)
    patient = decision.patient
    if not patient.email:
        return "no email"
    clinic = clinic_settings()
    context = {
        "first_name": patient.first_name,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "link": settings.SITE_URL + reverse("intake_home"),
        "needs_update": decision.decision == "more_information",
    }
    send_templated_email("decision_news", context, [patient.email])
    return "sent"
