"""What comes next in a patient's journey, and who owns it. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.dateformat import format as date_format

from clinic.choices import JourneyState, Role


@dataclass(frozen=True)
class NextStep:
    """The next step of the journey as the chart shows it to staff and to the patient."""

    staff_text: str
    owner_role: str  # a Role code, "patient", or "" when the journey has ended
    patient_text: str  # one sentence: what happens next and who does it


@dataclass(frozen=True)
class PortalFacts:
    """What the patient's next step depends on beyond the journey state; feature apps
    supply them (clinic.portal) and this module turns them into words."""

    next_session_at: dt.datetime | None = None  # clinic time
    next_session_is_booster: bool = False


NEXT_STEPS: dict[str, NextStep] = {
    JourneyState.INVITED: NextStep(
        "Patient accepts the invitation and starts the online intake; the coordinator "
        "follows up if the link expires.",
        "patient",
        "Next, you open the link in your invitation email to create your login and start "
        "the online intake.",
    ),
    JourneyState.INTAKE_IN_PROGRESS: NextStep(
        "Patient completes and submits the intake questionnaire.",
        "patient",
        "Next, you finish your intake questionnaire and submit it (your answers are saved "
        "as you go).",
    ),
    JourneyState.AWAITING_REVIEW: NextStep(
        "Intake submitted and screened: a psychiatrist reviews the flags and decides eligibility.",
        Role.PSYCHIATRIST,
        "Next, our psychiatrist reviews your intake and we email you when there is a "
        "decision; you do not need to do anything now.",
    ),
    JourneyState.MORE_INFORMATION: NextStep(
        "Patient answers the intake questions the psychiatrist reopened.",
        "patient",
        "Next, you update the parts of your intake our psychiatrist asked about and submit "
        "it again, and they review it once more.",
    ),
    JourneyState.ELIGIBLE: NextStep(
        "Psychiatrist writes the treatment plan (route, protocol, dose order).",
        Role.PSYCHIATRIST,
        "You are approved: next, your psychiatrist writes your treatment plan, then the "
        "clinic's coordinator calls you to book your sessions.",
    ),
    JourneyState.DECLINED: NextStep(
        "Coordinator confirms the patient was told and the referring clinician informed.",
        Role.COORDINATOR,
        "Your psychiatrist has written you a letter explaining the decision, and the "
        "clinic's coordinator will call you to make sure you have it and to answer questions.",
    ),
    JourneyState.PLAN: NextStep(
        "Coordinator books the induction series.",
        Role.COORDINATOR,
        "Your treatment plan is ready: next, the clinic's coordinator will call you to book "
        "your sessions.",
    ),
    JourneyState.INDUCTION: NextStep(
        "Nurses run the booked sessions; the therapist holds preparation and integration sessions.",
        Role.NURSE,
        "Next, the clinic's coordinator will call you to book your remaining sessions.",
    ),
    JourneyState.MAINTENANCE: NextStep(
        "Coordinator books maintenance boosters when due (monthly or as needed).",
        Role.COORDINATOR,
        "Next, the clinic's coordinator contacts you when your next booster is due, or you "
        "can ask for one here.",
    ),
    JourneyState.PAUSED: NextStep(
        "Psychiatrist decides whether and when treatment resumes.",
        Role.PSYCHIATRIST,
        "Your treatment is paused: your psychiatrist decides whether and when it resumes, "
        "and the clinic will call you about it.",
    ),
    JourneyState.DISCHARGED: NextStep(
        "Nothing further: the patient has been discharged from the program.",
        "",
        "You have finished or left the program and nothing more is planned; call the "
        "clinic whenever you need us.",
    ),
}


def next_step(state: str) -> NextStep:
    """The next step for a journey state; an unknown state raises `ValueError`."""
    try:
        return NEXT_STEPS[state]
    except KeyError:
        raise ValueError(f"Unknown journey state {state!r}") from None


JOURNEY_ORDER: tuple[str, ...] = (
    JourneyState.INVITED,
    JourneyState.INTAKE_IN_PROGRESS,
    JourneyState.AWAITING_REVIEW,
    JourneyState.ELIGIBLE,
    JourneyState.PLAN,
    JourneyState.INDUCTION,
    JourneyState.MAINTENANCE,
)


def progress_index(state: str) -> int | None:
    """Position on the main path (for the chart's step bar); None for side states."""
    if state == JourneyState.MORE_INFORMATION:
        return JOURNEY_ORDER.index(JourneyState.AWAITING_REVIEW)
    return JOURNEY_ORDER.index(state) if state in JOURNEY_ORDER else None


# States in which a booked session is what comes next.
SESSION_STATES = (JourneyState.PLAN, JourneyState.INDUCTION, JourneyState.MAINTENANCE)


def patient_next_step(state: str, facts: PortalFacts | None = None) -> str:
    """The one sentence the portal's home page tells the patient: what happens next and
    who does it. A booked session always wins over "the clinic will call you"."""
    facts = facts or PortalFacts()
    if state in SESSION_STATES and facts.next_session_at is not None:
        what = "booster session" if facts.next_session_is_booster else "session"
        when = date_format(facts.next_session_at, r"l, F j \a\t g:i A")
        return (
            f"Your next {what} is on {when}; the nurse team will meet you at the clinic, "
            "and someone must drive you home afterwards."
        )
    return next_step(state).patient_text


def care_team_next_step(state: str, *, has_psychiatrist: bool, has_therapist: bool) -> str:
    """What happens about a care-team member not chosen yet, and who does it ("" when
    nobody is missing or the program has ended)."""
    if state in (JourneyState.DECLINED, JourneyState.DISCHARGED):
        return ""
    if not has_psychiatrist:
        before = state in (JourneyState.INVITED, JourneyState.INTAKE_IN_PROGRESS)
        return (
            "The clinic's coordinator assigns your psychiatrist "
            + ("once your intake is submitted" if before else "while your intake is reviewed")
            + "; you do not need to do anything, and the name appears here."
        )
    if not has_therapist:
        return (
            "The clinic's coordinator assigns your integration therapist before your first "
            "treatment session; you do not need to do anything, and the name appears here."
        )
    return ""
