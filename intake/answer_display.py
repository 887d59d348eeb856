"""Stored intake answers as a person reads them: the question as the patient saw it and
the answer they gave. Pure: no I/O.

A missing answer reads "Not answered", never "No"; a follow-up question that did not
apply is left out; a question the patient was never asked because it was added later
still reads "Not answered" (the psychiatrist must see the gap).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django import forms

from intake.instruments import ASQ_BAND_LABELS, FREQUENCY, QUESTIONNAIRES
from intake.measures import PHQ9
from intake.questionnaire import (
    NO_KNOWN_ALLERGIES,
    QUESTIONNAIRE_STEPS,
    STEPS,
    FollowUp,
    Step,
    StepForm,
)
from intake.screening import CONDITIONAL_KEYS, is_asked, trigger_keys, unanswered_safety_keys

NOT_ANSWERED = "Not answered"

# A form field that stands for a differently named answer key.
_KEY_OF_FIELD = {"allergy_status": "allergies"}

# Answer keys no step field asks directly.
_OTHER_QUESTIONS = {
    "phq9_item9": f"PHQ-9 question 9: {QUESTIONNAIRES[PHQ9].items[8]}",
    "suicide_risk_screen": "Suicide risk screen (ASQ)",
    "screening_bp_systolic": "Evaluation blood pressure: systolic",
    "screening_bp_diastolic": "Evaluation blood pressure: diastolic",
}
# Measured by staff at the evaluation visit, not asked of the patient.
_STAFF_MEASURED = frozenset({"screening_bp_systolic", "screening_bp_diastolic"})


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str


@dataclass(frozen=True)
class _Question:
    wording: str
    field: forms.Field | None
    follow_up: FollowUp | None


@cache
def _questions() -> dict[str, _Question]:
    """Every answer key with its question, from the steps' forms."""
    questions = {key: _Question(text, None, None) for key, text in _OTHER_QUESTIONS.items()}
    for step in STEPS:
        if step.slug in QUESTIONNAIRE_STEPS:
            continue  # their fields are questionnaire items, not answer keys
        form_class = step.form_class
        for name, field in form_class.base_fields.items():
            key = _KEY_OF_FIELD.get(name, name)
            wording = "Allergies" if key == "allergies" else str(field.label)
            questions[key] = _Question(wording, field, form_class.follow_ups.get(name))
    return questions


def question_of(key: str) -> str:
    """The question behind an answer key, as the patient read it."""
    question = _questions().get(key)
    return question.wording if question else key.replace("_", " ").capitalize()


def question_applies(key: str, answers: Mapping[str, Any]) -> bool:
    """Whether the patient was (or should have been) asked this question."""
    if key in CONDITIONAL_KEYS:
        return is_asked(key, answers)
    question = _questions().get(key)
    if question is None or key in _STAFF_MEASURED:
        return False
    return question.follow_up is None or question.follow_up.applies(answers)


def allergy_text(allergies: list[Mapping[str, str]] | None) -> str:
    if allergies is None:
        return NOT_ANSWERED
    if not allergies:
        return NO_KNOWN_ALLERGIES
    return "\n".join(
        f"{allergy['substance']} ({allergy['reaction']})"
        if allergy.get("reaction")
        else allergy["substance"]
        for allergy in allergies
    )


def display(field: forms.Field | None, value: Any) -> str:
    """One stored value as the patient chose it."""
    if value is None or value == "":
        return NOT_ANSWERED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(field, forms.DateField):
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return f"{day:%B} {day.day}, {day.year}"
    choices = getattr(field, "choices", None)
    if choices:
        labels = {str(key): label for key, label in choices}
        return str(labels.get(str(value), value))
    return str(value)


def answer_text(key: str, answers: Mapping[str, Any]) -> str:
    """The answer stored under a key, in words."""
    value = answers.get(key)
    if key == "allergies":
        return allergy_text(value)
    if value is None:
        return NOT_ANSWERED
    if key == "phq9_item9":
        return f"{FREQUENCY[value]} ({value})"
    if key == "suicide_risk_screen":
        return ASQ_BAND_LABELS.get(value, value).capitalize()
    if key in _STAFF_MEASURED:
        return f"{value} mmHg"
    question = _questions().get(key)
    return display(question.field if question else None, value)


def answer_rows(step: Step, answers: Mapping[str, Any]) -> list[AnswerRow]:
    """A step's questions with the stored answers, worded as the patient saw them."""
    if step.slug == "consent":
        return []
    form_class: type[StepForm] = step.form_class
    values = form_class.stored_values(answers)
    current = {**answers, **values}
    rows = []
    for name, field in form_class.base_fields.items():
        follow_up = form_class.follow_ups.get(name)
        if follow_up is not None and not follow_up.applies(current):
            continue  # a follow-up question that did not apply
        key = _KEY_OF_FIELD.get(name)
        if key is not None:
            rows.append(AnswerRow(question_of(key), answer_text(key, answers)))
        else:
            rows.append(AnswerRow(str(field.label), display(field, values.get(name))))
    return rows


def unanswered_safety_rows(answers: Mapping[str, Any]) -> list[AnswerRow]:
    """Every safety question (the screening's INCOMPLETE list) without an answer."""
    return [AnswerRow(question_of(key), NOT_ANSWERED) for key in unanswered_safety_keys(answers)]


def trigger_rows(code: str, ruleset_version: str, answers: Mapping[str, Any]) -> list[AnswerRow]:
    """The answers a stored flag was read from, by the keys of the ruleset it ran with.

    For INCOMPLETE, the questions that were not answered; for other flags, every answer
    the rule read that was given, or that was asked and left unanswered."""
    keys = trigger_keys(code, ruleset_version)
    rows = []
    for key in keys:
        missing = answers.get(key) is None
        if code == "INCOMPLETE" and not missing:
            continue
        if missing and not question_applies(key, answers):
            continue
        rows.append(AnswerRow(question_of(key), answer_text(key, answers)))
    return rows
