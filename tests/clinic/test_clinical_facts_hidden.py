"""A coordinator or an admin learns no clinical fact from the messages list or the
audit log (issue 14, 9): that an urgent suicide-risk alert went out about a patient is
a clinical fact."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from clinic.audit import audit_record
from clinic.choices import AuditAction, Channel, ReminderStatus
from clinic.notifications.kinds import URGENT_ALERT
from sessions.reminders import BOOKING_CONFIRMATION
from tests.factories import ReminderFactory


def _alert_and_booking(personas) -> None:
    now = timezone.now()
    for kind, recipient, status in (
        (URGENT_ALERT, personas.psychiatrist, ReminderStatus.FAILED),
        (BOOKING_CONFIRMATION, None, ReminderStatus.FAILED),
    ):
        ReminderFactory(
            kind=kind,
            target=f"{kind}-1",
            due_at=now,
            channel=Channel.EMAIL,
            patient=personas.patient_a,
            recipient=recipient,
            address="someone@clinic.example",
            status=status,
        )


def test_a_coordinator_does_not_see_that_an_urgent_alert_was_sent(login, personas) -> None:
    _alert_and_booking(personas)
    url = reverse("patient_reminders", args=[personas.patient_a.pk])
    coordinator = login(personas.coordinator).get(url).content.decode()
    assert "Booking confirmation" in coordinator
    assert "Urgent alert" not in coordinator
    failed = login(personas.coordinator).get(reverse("failed_reminders")).content.decode()
    assert "Urgent alert" not in failed
    # The psychiatrist, who acts on it, does.
    assert "Urgent alert" in login(personas.psychiatrist).get(url).content.decode()


def test_the_audit_log_names_no_clinical_object_to_the_admin(login, personas) -> None:
    audit_record(
        action=AuditAction.CREATE,
        user=personas.psychiatrist,
        patient=personas.patient_a,
        object_type="intake.urgentalert",
        object_id=7,
    )
    audit_record(action=AuditAction.LOGIN, user=personas.nurse, object_type="session")
    page = login(personas.admin).get(reverse("audit_log")).content.decode()
    assert "urgentalert" not in page
    assert "Clinical record" in page
    assert "session" in page


def test_every_refusal_of_a_signed_in_user_is_one_denied_row(rf, personas) -> None:
    """A service's PermissionDenied or a lookup's Http404 that no scoped helper audited
    still writes one `denied` row; one the helper wrote is not doubled."""
    from django.urls import resolve

    from clinic import errors
    from clinic.access import audit_refusal
    from clinic.context import work_context
    from clinic.models import AuditEvent
    from clinic.policy import NotVisible

    request = rf.get("/patients/1/")
    request.user = personas.nurse
    request.resolver_match = resolve(reverse("patient_list"))
    with work_context(source="web", user_getter=lambda: personas.nurse):
        assert errors.permission_denied(request).status_code == 403
    assert AuditEvent.objects.filter(action="denied", user=personas.nurse).count() == 1

    again = rf.get("/patients/999999/")
    again.user = personas.nurse
    again.resolver_match = resolve(reverse("patient_list"))
    with work_context(source="web", user_getter=lambda: personas.nurse):
        audit_refusal(NotVisible(patient_id=999999, object_type="clinic.patient", object_id=999999))
        errors.page_not_found(again)
    assert AuditEvent.objects.filter(action="denied", user=personas.nurse).count() == 2

    stray = rf.get("/no-such-page/")
    stray.user = personas.nurse
    with work_context(source="web", user_getter=lambda: personas.nurse):
        errors.page_not_found(stray)
    assert AuditEvent.objects.filter(action="denied", user=personas.nurse).count() == 2


def test_a_failed_urgent_alert_is_shown_to_the_psychiatrist_to_send_again(login, personas) -> None:
    _alert_and_booking(personas)
    page = login(personas.psychiatrist).get(reverse("failed_reminders")).content.decode()
    assert "Urgent alert" in page
