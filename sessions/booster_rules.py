"""Rules of maintenance boosters (pure, no I/O): why no booster may be booked yet
(scheduling.md §4). The booster list shows the reason; the booking service refuses with it."""

from __future__ import annotations

from sessions.models import BenefitDecision, BenefitReview, TreatmentPlan

RESCREEN_MESSAGE = (
    "More than 3 months since the last session: the patient answers the health questions "
    "again in the portal (My sessions → Health questions) before a booster."
)


def booster_blocker(
    review: BenefitReview | None, plan: TreatmentPlan | None, *, needs_rescreen: bool = False
) -> str | None:
    """Why no booster may be booked yet (scheduling.md §4): the end-of-induction benefit
    review is missing, said stop, or said change route and no new plan was written since;
    or the re-screen after a gap of more than 3 months is missing."""
    if review is None:
        return (
            "The psychiatrist records the end-of-induction benefit review before the first booster."
        )
    if review.decision == BenefitDecision.STOP:
        return f"The benefit review of {review.signed_at:%b %-d, %Y} said to stop treatment."
    if review.decision == BenefitDecision.CHANGE_ROUTE and (
        plan is None or plan.written_at <= review.signed_at
    ):
        return "The benefit review said to change route: the psychiatrist writes a new plan."
    if needs_rescreen:
        return RESCREEN_MESSAGE
    return None
