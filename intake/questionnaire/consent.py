"""The informed consent step: the statement and the typed-name e-signature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from intake.questionnaire.base import StepForm

CONSENT_VERSION = "2026.1"

# --- Consent ---------------------------------------------------------------------------------


CONSENT_TEXT = (
    "I understand that ketamine and esketamine treatment for depression and related "
    "conditions is given under medical supervision; that esketamine is approved for "
    "treatment-resistant depression and depression with suicidal thoughts, and that "
    "racemic ketamine given by infusion, injection or by mouth for these conditions is "
    "off-label. Common effects during and after a session include feeling disconnected or "
    "dreamlike (dissociation), dizziness, nausea, sleepiness, raised blood pressure and "
    "heart rate, and, rarely, confusion, agitation or breathing problems. Repeated or "
    "non-medical use can harm the bladder and liver and can lead to misuse. I agree to "
    "have my blood pressure, heart rate and oxygen level monitored, to be observed until "
    "I am safe to leave, to have an adult take me home, and not to drive or make "
    "important decisions until the next day. I understand that the clinic's psychiatrist "
    "decides whether treatment is right for me, that I may stop at any time, and that "
    "the answers I give here are true to the best of my knowledge."
)


class ConsentForm(StepForm):
    agree = forms.BooleanField(label="I have read and I agree to the statement above")
    signature = forms.CharField(
        label="Type your full legal name as your signature",
        max_length=160,
        help_text="This is your electronic signature. We record the date, time and your "
        "internet address.",
    )

    def __init__(self, *args: Any, legal_name: str = "", **kwargs: Any) -> None:
        self.legal_name = legal_name
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_from(cls, answers: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def clean_signature(self) -> str:
        typed = " ".join(self.cleaned_data["signature"].split())
        if self.legal_name and typed.casefold() != " ".join(self.legal_name.split()).casefold():
            raise forms.ValidationError(f"Type your full legal name as shown: {self.legal_name}")
        return typed

    def to_answers(self) -> dict[str, Any]:
        return {}
