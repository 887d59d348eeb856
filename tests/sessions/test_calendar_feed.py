"""A staff member's private, revocable iCalendar feed: initials and times only."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from clinic.models import Chair
from sessions.models import CalendarFeed, Protocol
from tests.factories import AppointmentFactory, LocationFactory, TreatmentPlanFactory


def book(patient, personas, days: int) -> None:
    plan = TreatmentPlanFactory(
        patient=patient,
        version=1,
        route="iv",
        protocol=Protocol.objects.get(code="iv-standard"),
        dose_mode="mg_per_kg",
        dose_mg_per_kg="0.5",
        series_length=6,
        written_by=personas.psychiatrist,
    )
    start = timezone.now() + dt.timedelta(days=days)
    AppointmentFactory(
        patient=patient,
        plan=plan,
        kind="induction",
        series_number=1,
        chair=Chair.objects.get_or_create(name="Chair 1", defaults={"location": LocationFactory()})[
            0
        ],
        start=start,
        end=start + dt.timedelta(hours=2),
        booked_by=personas.coordinator,
    )


def feed_path(client) -> str:
    page = client.post(reverse("calendar_subscribe")).content.decode()
    return re.search(r"https?://[^/]+(/calendar/feed/[^<\s]+\.ics)", page).group(1)


def test_the_feed_shows_initials_and_times_never_names(login, personas, client) -> None:
    book(personas.patient_a, personas, 2)
    path = feed_path(login(personas.nurse))
    response = client.get(path)  # a calendar app: no session, the token is the credential
    assert response.status_code == 200
    body = response.content.decode()
    assert "SUMMARY:AQ · Chair 1" in body
    assert "Quillfeather" not in body and "Alice" not in body
    assert CalendarFeed.objects.get().last_used_at is not None


def test_revoking_or_replacing_the_feed_stops_the_old_address(login, personas, client) -> None:
    nurse = login(personas.nurse)
    old = feed_path(nurse)
    new = feed_path(nurse)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    nurse.post(reverse("calendar_subscribe"), {"action": "revoke"})
    assert client.get(new).status_code == 404


def test_a_disabled_user_s_feed_stops(login, personas, client) -> None:
    path = feed_path(login(personas.nurse))
    personas.nurse.is_active = False
    personas.nurse.save(update_fields=["is_active"])
    assert client.get(path).status_code == 404


def test_a_therapist_s_feed_holds_only_the_caseload(login, personas, client) -> None:
    book(personas.patient_a, personas, 2)
    book(personas.patient_b, personas, 3)
    body = client.get(feed_path(login(personas.therapist))).content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:AQ" in body


def test_an_unknown_token_is_a_404(client, db) -> None:
    assert client.get(reverse("calendar_feed", args=["made-up-token"])).status_code == 404
