"""What comes next in a patient's journey, and who owns it. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from clinic.choices import JourneyState, Role


@dataclass(frozen=True)
class NextStep:
    """The next step of the journey as the chart shows it to staff and to the patient."""

    staff_text: str
    owner_role: str  # a Role code, "patient", or "" when the journey has ended
    patient_text: str


NEXT_STEPS: dict[str, NextStep] = {
    JourneyState.INVITED: NextStep(
        "Patient accepts the invitation and starts the online intake; the coordinator "
        "follows up if the link expires.",
        "patient",
        "Open the link in your invitation to create your login and start the intake.",
    ),
    JourneyState.INTAKE_IN_PROGRESS: NextStep(
        "Patient completes and submits the intake questionnaire.",
        "patient",
        "Finish your intake questionnaire and submit it. Your answers are saved as you go.",
    ),
    JourneyState.AWAITING_REVIEW: NextStep(
        "Intake submitted and screened: a psychiatrist reviews the flags and decides eligibility.",
        Role.PSYCHIATRIST,
        "Thank you — your intake is with our psychiatrist, who will review it.",
    ),
    JourneyState.MORE_INFORMATION: NextStep(
        "Patient answers the intake questions the psychiatrist reopened.",
        "patient",
        "Our psychiatrist asked for a little more information. Please update your intake.",
    ),
    JourneyState.ELIGIBLE: NextStep(
        "Psychiatrist writes the treatment plan (route, protocol, dose order).",
        Role.PSYCHIATRIST,
        "You are eligible for treatment. Your psychiatrist is preparing your treatment plan.",
    ),
    JourneyState.DECLINED: NextStep(
        "Coordinator confirms the patient was told and the referring clinician informed.",
        Role.COORDINATOR,
        "Your psychiatrist has written to you about the decision. Contact us with any questions.",
    ),
    JourneyState.PLAN: NextStep(
        "Coordinator books the induction series.",
        Role.COORDINATOR,
        "Your treatment plan is ready. Our team will contact you to book your sessions.",
    ),
    JourneyState.INDUCTION: NextStep(
        "Nurses run the booked sessions; the therapist holds preparation and integration sessions.",
        Role.NURSE,
        "Your treatment series has started. The clinic confirms each session date with you.",
    ),
    JourneyState.MAINTENANCE: NextStep(
        "Coordinator books maintenance boosters when due (monthly or as needed).",
        Role.COORDINATOR,
        "You are in maintenance. We will remind you when your next booster is due.",
    ),
    JourneyState.PAUSED: NextStep(
        "Psychiatrist decides whether and when treatment resumes.",
        Role.PSYCHIATRIST,
        "Your treatment is paused. Your care team will contact you about next steps.",
    ),
    JourneyState.DISCHARGED: NextStep(
        "Nothing further: the patient has been discharged from the program.",
        "",
        "You have completed or left the program. Contact the clinic if you need us.",
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
