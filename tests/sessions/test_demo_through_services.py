"""The session demo is made by the services a user's clicks call, each at the moment it
happened: history has the services' audit rows, its clinical times on the session's own
day, and the live day's critical alert was raised by the vitals service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic import clock
from clinic.models import AuditEvent
from clinic.selectors import clinic_settings
from intake.models import MeasureResult
from sessions.models import TreatmentSession, VitalAlert

pytestmark = pytest.mark.django_db


def test_the_demo_history_is_charted_through_the_services_on_its_own_days() -> None:
    # Seeded at mid-morning: run just after midnight, the live day's sessions (this
    # morning's, still awaiting a co-signature) would begin on the day before.
    zone = clinic_settings().zone
    today = timezone.localdate(timezone.now(), zone) - dt.timedelta(days=1)
    with clock.at(dt.datetime.combine(today, dt.time(11, 0), tzinfo=zone)):
        call_command("seed_demo", verbosity=0)
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


@pytest.mark.parametrize(("hour", "minute"), [(0, 20), (6, 40), (10, 31), (15, 5), (21, 30)])
def test_the_live_floor_is_the_same_whatever_time_of_day_the_demo_is_started(
    hour: int, minute: int
) -> None:
    """The demo is started at any hour: a patient booked this morning whose session is
    already over is the one the live day puts on the floor, not charted away (the demo's
    IV infusion with its critical alert went missing when it was seeded after 10:30)."""
    zone = clinic_settings().zone
    day = timezone.localdate(timezone.now(), zone) - dt.timedelta(days=1)
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
    with clock.at(moment):
        call_command("seed_demo", verbosity=0)
    # The live day is the last few hours before `moment` (just after midnight, that
    # includes the evening before).
    recent = moment - dt.timedelta(hours=12)
    live = TreatmentSession.objects.filter(
        opened_at__gte=recent, discharged_at=None, nurse_signed_at=None
    ).exclude(appointment__chair__location__name="Harbor Point")
    live = list(live)
    # At Riverside: an IV infusion, esketamine and IM under observation, one patient just
    # checked in (Harbor Point's floor is its own, below).
    assert len(live) == 4
    assert {"iv", "intranasal_esketamine", "im"} <= {s.route for s in live}
    iv = next(s for s in live if s.route == "iv")
    assert str(iv.patient) == "Alex Morgan"  # the README's and the browser walk's patient
    assert iv.dose is not None
    assert VitalAlert.objects.filter(
        session=iv, level="critical", acknowledged_at__isnull=True
    ).exists()
    awaiting = TreatmentSession.objects.filter(
        nurse_signed_at__isnull=False, cosigned_at=None, discharged_at__isnull=False
    )
    assert [recent <= s.opened_at <= moment for s in awaiting] == [True]


def test_harbor_point_has_a_clinic_day_of_its_own() -> None:
    """The second location's floor (controlled-substances.md §1): on a day it opens, a
    session over and co-signed, one under way with its vitals, a patient just checked in,
    all of its own patients at its own chairs, charted by a nurse who works there; and the
    week before, its patients' earlier sessions."""
    zone = clinic_settings().zone
    today = timezone.localdate(timezone.now(), zone)
    day = next(
        today - dt.timedelta(days=back)
        for back in range(1, 8)
        if (today - dt.timedelta(days=back)).weekday() in (0, 1)  # Harbor Point opens
    )
    with clock.at(dt.datetime.combine(day, dt.time(15), tzinfo=zone)):
        call_command("seed_demo", verbosity=0)
    there = TreatmentSession.objects.filter(
        appointment__chair__location__name="Harbor Point"
    ).select_related("patient__home_location", "opened_by")
    on_day = [s for s in there if timezone.localdate(s.opened_at, zone) == day]
    done = [s for s in on_day if s.cosigned_at is not None]
    under_way = [s for s in on_day if s.discharged_at is None and s.readings.exists()]
    checked_in = [s for s in on_day if s.discharged_at is None and not s.readings.exists()]
    assert (len(done), len(under_way), len(checked_in)) == (1, 1, 1)
    assert under_way[0].dose is not None
    assert {s.patient.home_location.name for s in there} == {"Harbor Point"}
    assert {s.opened_by.username for s in on_day} == {"nurse2"}
    assert any(timezone.localdate(s.opened_at, zone) < day for s in there)
