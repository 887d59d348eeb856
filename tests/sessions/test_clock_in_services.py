"""The services take "now" from the domain's clock: a check-in made inside
`clock.at(moment)` (the demo's way of charting history) stores that moment as the
clinical time, while its audit row records when the write really happened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic import clock
from clinic.models import AuditEvent
from sessions.services.checkin import checkin_record, session_open

pytestmark = pytest.mark.django_db


def test_a_check_in_at_a_moment_stores_that_moment_and_audits_the_real_time(
    chairside, personas
) -> None:
    moment = chairside.appointment.start  # a few minutes ago, always today
    before = timezone.now()
    with clock.at(moment):
        session = session_open(appointment=chairside.appointment, actor=personas.nurse)
        entry = checkin_record(session=session, item="identity", value=True, actor=personas.nurse)
    assert session.opened_at == moment
    assert entry.recorded_at == moment
    audited = AuditEvent.objects.filter(object_id=str(session.pk)).latest("pk")
    assert audited.occurred_at >= before


def test_the_clock_moves_the_services_rules_with_it(chairside, personas) -> None:
    """Check-in takes only today's appointments: today is the clock's day."""
    next_week = chairside.appointment.start + dt.timedelta(days=7)
    with clock.at(next_week), pytest.raises(ValidationError, match="today"):
        session_open(appointment=chairside.appointment, actor=personas.nurse)
