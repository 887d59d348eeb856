"""Helpers for intake tests: a started intake and complete answers for every step."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import IntakeFactory

ABOUT_YOU = {
    "legal_first_name": "Alice",
    "legal_last_name": "Quillfeather",
    "date_of_birth": "1988-05-04",
    "sex_at_birth": "female",
    "phone": "(617) 555-0101",
    "email": "alice@patients.example",
    "address_line1": "1 Main St",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02110",
    "emergency_contact_name": "Jo Quillfeather",
    "emergency_contact_phone": "(617) 555-0102",
    "emergency_contact_relationship": "sister",
    "reminder_channel": "email",
}

NO = "no"
STEP_POSTS: dict[str, dict[str, Any]] = {
    "about-you": ABOUT_YOU,
    "reasons": {
        "primary_concern": "depression",
        "symptom_years": "5",
        "antidepressant_trials": "2",
        "psychotherapy_tried": "yes",
        "ect_tms_tried": NO,
    },
    "mental-health": {
        "psychotic_disorder_dx": NO,
        "psychotic_symptoms_current": NO,
        "psychotic_symptoms_12m": NO,
        "family_psychosis": NO,
        "bipolar_dx": "none",
        "mania_12m": NO,
        "suicide_attempt_ever": NO,
    },
    "alcohol-drugs": {"substance_use": "none", "ketamine_misuse": "never",
                      "alcohol_drinks_per_week": "1"},
    "medical": {
        **{
            key: NO
            for key in (
                "hypertension_dx", "aneurysm_history", "avm_history", "ich_history",
                "had_heart_attack", "had_stroke", "coronary_disease", "heart_failure",
                "arrhythmia", "hypertensive_encephalopathy", "raised_icp", "glaucoma",
                "hyperthyroidism_untreated", "interstitial_cystitis", "sleep_apnea_untreated",
                "porphyria", "ketamine_allergy",
            )
        },
        "liver_disease": "none",
        "weight_kg": "68.5",
    },
    "pregnancy": {"pregnancy_status": "not_pregnant", "breastfeeding": NO},
    "medicines": {
        **{key: NO for key in ("benzodiazepine", "sedative_hypnotic", "lamotrigine", "maoi",
                               "stimulant", "opioid", "theophylline", "naltrexone")},
        "allergy_status": "none",
    },
    "getting-home": {"has_escort": "yes"},
    "phq9": {**{f"q{n}": "2" for n in range(1, 9)}, "q9": "0", "difficulty": "1"},
    "gad7": {f"q{n}": "1" for n in range(1, 8)},
    "asq": {f"q{n}": "0" for n in range(1, 5)},
    "consent": {"agree": "on", "signature": "Alice Quillfeather"},
}  # fmt: skip


@pytest.fixture
def patient_client(login, personas):
    """patient_a signed in with an intake in progress."""
    IntakeFactory(patient=personas.patient_a, opened=True)
    personas.patient_a.journey_state = "intake_in_progress"
    personas.patient_a.save(update_fields=["journey_state"])
    return login(personas.patient_a.user)


def fill_all_steps(client, **changes: dict[str, Any] | None) -> None:
    """Post every step in order; `changes` overrides a step's answers (None: skip a step
    that does not apply to this patient)."""
    from django.urls import reverse

    for slug, data in STEP_POSTS.items():
        if slug in changes and changes[slug] is None:
            continue
        response = client.post(
            reverse("intake_step", args=[slug]), {**data, **changes.get(slug, {})}
        )
        assert response.status_code == 302, (
            slug,
            response.context and response.context["form"].errors,
        )
