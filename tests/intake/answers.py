"""A fully answered, unremarkable adult intake for the screening tests: every safety
question of the INCOMPLETE list answered no/none/negative, an escort home and a normal
screening BP. Pass `MISSING` for a key to leave it unanswered."""

from __future__ import annotations

from typing import Any

MISSING = object()


def minimal_clean(**overrides: Any) -> dict[str, Any]:
    """Every INCOMPLETE key answered no/none/negative, an escort and a normal screening BP."""
    answers: dict[str, Any] = {
        "date_of_birth": "1985-06-15",
        "sex_at_birth": "male",
        "psychotic_disorder_dx": False,
        "psychotic_symptoms_current": False,
        "psychotic_symptoms_12m": False,
        "family_psychosis": False,
        "bipolar_dx": "none",
        "mania_12m": False,
        "suicide_attempt_ever": False,
        "substance_use": "none",
        "ketamine_misuse": "never",
        "hypertension_dx": False,
        "aneurysm_history": False,
        "avm_history": False,
        "ich_history": False,
        "coronary_disease": False,
        "heart_failure": False,
        "arrhythmia": False,
        "raised_icp": False,
        "liver_disease": "none",
        "pregnancy_status": "not_applicable",
        "ketamine_allergy": False,
        "benzodiazepine": False,
        "maoi": False,
        "stimulant": False,
        "opioid": False,
        "suicide_risk_screen": "negative",
        "phq9_item9": 0,
        "has_escort": True,
        "screening_bp_systolic": 120,
        "screening_bp_diastolic": 80,
    }
    answers.update(overrides)
    return {key: value for key, value in answers.items() if value is not MISSING}
