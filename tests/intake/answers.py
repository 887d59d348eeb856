"""A fully answered, unremarkable adult intake for the screening tests: every safety
question of the INCOMPLETE list answered no/none/negative, an escort home and a normal
screening BP. Pass `MISSING` for a key to leave it unanswered."""

from __future__ import annotations

from typing import Any

from intake.demo import CLEAR_SAFETY_ANSWERS

MISSING = object()


def minimal_clean(**overrides: Any) -> dict[str, Any]:
    """Every INCOMPLETE key answered no/none/negative, an escort and a normal screening BP."""
    answers: dict[str, Any] = {
        "date_of_birth": "1985-06-15",
        "sex_at_birth": "male",
        **CLEAR_SAFETY_ANSWERS,  # the demo's intakes start from the same answers
        "pregnancy_status": "not_applicable",
        "suicide_risk_screen": "negative",
        "phq9_item9": 0,
        "screening_bp_systolic": 120,
        "screening_bp_diastolic": 80,
    }
    answers.update(overrides)
    return {key: value for key, value in answers.items() if value is not MISSING}
