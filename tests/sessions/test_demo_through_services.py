"""The session demo is made by the services a user's clicks call, each at the moment it
happened: history has the services' audit rows, its clinical times on the session's own
day, and the live day's critical alert was raised by the vitals service."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic.models import AuditEvent
from clinic.selectors import clinic_settings
from intake.models import MeasureResult
from sessions.models import TreatmentSession, VitalAlert

pytestmark = pytest.mark.django_db


def test_the_demo_history_is_charted_through_the_services_on_its_own_days() -> None:
    call_command("seed_demo", verbosity=0)
    zone = clinic_settings().zone
    today = timezone.localdate(timezone.now(), zone)
    sessions = TreatmentSession.objects.select_related("appointment")
    past = [s for s in sessions if timezone.localdate(s.opened_at, zone) < today]
    assert len(past) > 20
    audited = set(
        AuditEvent.objects.filter(object_type="treatment_sessions.treatmentsession").values_list(
            "object_id", flat=True
        )
    )
    for session in past:
        assert session.opened_at == session.appointment.start
        assert str(session.pk) in audited  # session_open wrote its audit row
        assert session.cosigned_at is not None and session.cosigned_at > session.discharged_at
        day = timezone.localdate(session.opened_at, zone)
        scores = MeasureResult.objects.filter(
            patient=session.patient, context__in=["pre_session", "booster"], instrument="phq9"
        )
        assert day in {timezone.localdate(m.taken_at, zone) for m in scores}
    critical = VitalAlert.objects.get(level="critical", acknowledged_at__isnull=True)
    assert timezone.localdate(critical.recorded_at, zone) == today
    assert critical.recorded_by == critical.session.appointment.nurse
