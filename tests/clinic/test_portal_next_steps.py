"""The portal's home page says in one sentence what happens next and who does it, for
every journey state; a booked session always wins over "the clinic will call you"."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse

from clinic.choices import JourneyState
from clinic.journey import NEXT_STEPS, PortalFacts, care_team_next_step, patient_next_step
from clinic.models import Patient
from tests.clinic.test_reminders import NY, booked  # noqa: F401 (a fixture)


def home_text(client) -> str:
    return html.unescape(client.get(reverse("home")).content.decode())


def test_every_state_has_one_sentence_that_names_who_acts() -> None:
    actors = ("you", "psychiatrist", "coordinator", "nurse", "clinic")
    for state in JourneyState.values:
        sentence = NEXT_STEPS[state].patient_text
        assert sentence.endswith(".") and ". " not in sentence, state
        assert any(actor in sentence.lower() for actor in actors), state


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("invited", "Next, you open the link in your invitation email"),
        ("intake_in_progress", "Next, you finish your intake questionnaire and submit it"),
        ("awaiting_review", "Next, our psychiatrist reviews your intake and we email you"),
        ("more_information", "Next, you update the parts of your intake our psychiatrist"),
        ("eligible", "your psychiatrist writes your treatment plan, then the clinic's coordinator"),
        ("plan", "the clinic's coordinator will call you to book your sessions"),
        ("induction", "the clinic's coordinator will call you to book your remaining sessions"),
        ("maintenance", "the clinic's coordinator contacts you when your next booster is due"),
        ("paused", "your psychiatrist decides whether and when it resumes"),
        ("discharged", "nothing more is planned; call the clinic whenever you need us"),
        ("declined", "Your psychiatrist has written you a letter explaining the decision"),
    ],
)
def test_the_home_page_says_what_happens_next_in_each_state(
    personas, login, state, expected
) -> None:
    Patient.objects.filter(pk=personas.patient_b.pk).update(journey_state=state)
    page = home_text(login(personas.patient_b.user))
    assert expected in page
    assert "contact you to schedule" not in page


def test_a_patient_mid_series_reads_the_date_of_their_next_session(
    booked,  # noqa: F811
    login,
    personas,
) -> None:
    patient = Patient.objects.get(pk=personas.patient_a.pk)
    first = booked[0].start.astimezone(NY)
    page = home_text(login(patient.user))
    when = f"{first:%A}, {first:%B} {first.day} at 10:00 AM"
    assert f"Your next session is on {when}; the nurse team will meet you at the clinic" in page
    assert "will call you to book" not in page
    assert "contact you to schedule" not in page


def test_a_booster_reads_as_a_booster() -> None:
    moment = dt.datetime(2026, 12, 3, 13, 30, tzinfo=NY)
    sentence = patient_next_step(
        "maintenance", PortalFacts(next_session_at=moment, next_session_is_booster=True)
    )
    assert sentence.startswith("Your next booster session is on Thursday, December 3 at 1:30 PM;")


def test_a_booked_session_is_ignored_once_the_program_has_ended() -> None:
    moment = dt.datetime(2026, 12, 3, 13, 30, tzinfo=NY)
    assert patient_next_step("discharged", PortalFacts(next_session_at=moment)) == (
        NEXT_STEPS["discharged"].patient_text
    )


def test_a_missing_care_team_member_comes_with_who_assigns_them(personas, login) -> None:
    Patient.objects.filter(pk=personas.patient_b.pk).update(
        journey_state="plan", psychiatrist=personas.psychiatrist, therapist=None
    )
    page = home_text(login(personas.patient_b.user))
    assert "Not assigned yet" in page
    assert "The clinic's coordinator assigns your integration therapist before your first" in page


def test_nobody_is_missing_from_the_care_team_of_a_declined_patient() -> None:
    assert care_team_next_step("declined", has_psychiatrist=True, has_therapist=False) == ""
    assert care_team_next_step("plan", has_psychiatrist=True, has_therapist=True) == ""


def test_the_psychiatrist_sentence_is_true_before_and_after_the_intake_is_submitted() -> None:
    before = care_team_next_step("intake_in_progress", has_psychiatrist=False, has_therapist=False)
    after = care_team_next_step("awaiting_review", has_psychiatrist=False, has_therapist=False)
    assert "once your intake is submitted" in before
    assert "while your intake is reviewed" in after and "submitted" not in after
