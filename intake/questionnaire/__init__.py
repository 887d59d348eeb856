"""The intake questionnaire: its steps in order, and the names the rest of the app uses.

One module per kind of step: `base` (what every step shares, follow-up questions, how
answers are stored), `history`, `medicines`, `baseline` (the questionnaires and the ASQ),
`consent`. How stored answers read on the pages is in `intake/answer_display.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from clinic.choices import SexAtBirth
from intake.measures import ASQ, GAD7, PCL5, PHQ9
from intake.questionnaire.base import FollowUp, StepDraft, StepForm, tidy_answers
from intake.questionnaire.baseline import (
    ASQ_ATTEMPT_DETAIL_KEY,
    SuicideRiskScreenForm,
    questionnaire_form,
)
from intake.questionnaire.consent import CONSENT_TEXT, CONSENT_VERSION, ConsentForm
from intake.questionnaire.history import (
    AboutYouForm,
    GettingHomeForm,
    MedicalHistoryForm,
    PregnancyForm,
    PsychiatricHistoryForm,
    SubstanceUseForm,
    TreatmentReasonsForm,
)
from intake.questionnaire.medicines import NO_KNOWN_ALLERGIES, MedicationsForm

__all__ = [
    "ASQ_ATTEMPT_DETAIL_KEY",
    "CONSENT_TEXT",
    "CONSENT_VERSION",
    "NO_KNOWN_ALLERGIES",
    "QUESTIONNAIRE_STEPS",
    "STEPS",
    "STEP_BY_SLUG",
    "AboutYouForm",
    "ConsentForm",
    "FollowUp",
    "GettingHomeForm",
    "MedicalHistoryForm",
    "MedicationsForm",
    "PregnancyForm",
    "PsychiatricHistoryForm",
    "Step",
    "StepDraft",
    "StepForm",
    "SubstanceUseForm",
    "SuicideRiskScreenForm",
    "TreatmentReasonsForm",
    "known_details",
    "questionnaire_form",
    "screening_answers",
    "steps_for",
    "tidy_answers",
]


# --- The steps in order ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form_class: type[StepForm]
    intro: str = ""
    applies: Callable[[Mapping[str, Any]], bool] = lambda answers: True


def _pregnancy_applies(answers: Mapping[str, Any]) -> bool:
    return answers.get("sex_at_birth") != SexAtBirth.MALE


def _pcl5_applies(answers: Mapping[str, Any]) -> bool:
    return answers.get("primary_concern") == "ptsd" or bool(answers.get("pcl5_opt_in"))


STEPS: tuple[Step, ...] = (
    Step("about-you", "About you", AboutYouForm, "Your details, so we can reach you safely."),
    Step(
        "reasons",
        "Why you are seeking treatment",
        TreatmentReasonsForm,
        "This helps your psychiatrist understand what you have tried so far.",
    ),
    Step(
        "mental-health",
        "Mental health history",
        PsychiatricHistoryForm,
        "Some conditions change whether ketamine is safe for you. Please answer honestly; "
        "only your care team sees these answers.",
    ),
    Step("alcohol-drugs", "Alcohol and drug use", SubstanceUseForm),
    Step(
        "medical",
        "Heart, brain and other health conditions",
        MedicalHistoryForm,
        "Ketamine raises blood pressure for a while, so we ask about your heart and blood vessels.",
    ),
    Step("pregnancy", "Pregnancy", PregnancyForm, applies=_pregnancy_applies),
    Step(
        "medicines",
        "Medicines and allergies",
        MedicationsForm,
        "Some medicines change how ketamine works or add to its effects.",
    ),
    Step("getting-home", "Getting home after treatment", GettingHomeForm),
    Step("phq9", "How you have been feeling", questionnaire_form(PHQ9)),
    Step("gad7", "Worry and anxiety", questionnaire_form(GAD7)),
    Step(
        ASQ,
        "Your safety",
        SuicideRiskScreenForm,
        "We ask everyone these questions. Please answer honestly: only your care team sees "
        "your answers, and if you are going through a hard time, we want to help.",
    ),
    Step("pcl5", "Stressful experiences", questionnaire_form(PCL5), applies=_pcl5_applies),
    Step("consent", "Consent", ConsentForm),
)

STEP_BY_SLUG: dict[str, Step] = {step.slug: step for step in STEPS}

# Steps whose answers are a questionnaire's items (stored under answers["measures"]).
QUESTIONNAIRE_STEPS = frozenset({PHQ9, GAD7, PCL5, ASQ})


def known_details(patient: Any) -> dict[str, Any]:
    """What the patient record already holds, as "About you" answers."""
    details = {
        field: getattr(patient, field)
        for field in AboutYouForm.base_fields
        if field != "date_of_birth" and getattr(patient, field, "")
    }
    if patient.date_of_birth:
        details["date_of_birth"] = patient.date_of_birth.isoformat()
    return details


def steps_for(answers: Mapping[str, Any]) -> list[Step]:
    """The steps that apply to this patient, in order."""
    return [step for step in STEPS if step.applies(answers)]


def screening_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The stored answers as the screening engine takes them (spec §2 keys only)."""
    return {key: value for key, value in answers.items() if key != "measures"}
