"""The baseline questionnaires as intake steps: PHQ-9, GAD-7, PCL-5 (built from their
official wording) and the ASQ suicide risk screen. Items are stored under
answers["measures"][code]; the service scores them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms

from intake.instruments import (
    ASQ_ACUTE_QUESTION,
    ASQ_ATTEMPT_FOLLOW_UP,
    ASQ_QUESTIONNAIRE,
    PHQ9_DIFFICULTY_ANSWERS,
    PHQ9_DIFFICULTY_QUESTION,
    QUESTIONNAIRES,
)
from intake.measures import ASQ, ASQ_ACUTE_ITEM, ASQ_SCREEN_ITEMS, PHQ9
from intake.questionnaire.base import FollowUp, StepForm

# --- Questionnaires (PHQ-9, GAD-7, PCL-5) -----------------------------------------------------


def questionnaire_form(code: str) -> type[StepForm]:
    questionnaire = QUESTIONNAIRES[code]
    fields: dict[str, Any] = {}
    for number, wording in enumerate(questionnaire.items, start=1):
        fields[f"q{number}"] = forms.TypedChoiceField(
            label=f"{number}. {wording}",
            choices=[(str(value), text) for value, text in enumerate(questionnaire.answers)],
            coerce=int,
            widget=forms.RadioSelect,
        )
    if code == PHQ9:
        fields["difficulty"] = forms.TypedChoiceField(
            label=PHQ9_DIFFICULTY_QUESTION,
            choices=[(str(value), text) for value, text in enumerate(PHQ9_DIFFICULTY_ANSWERS)],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            required=False,
        )

    def stored_values(cls: type[StepForm], answers: Mapping[str, Any]) -> dict[str, Any]:
        return dict(answers.get("measures", {}).get(code, {}))

    def to_answers(self: StepForm) -> dict[str, Any]:
        items = {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
        measures = dict(self.answers.get("measures", {}))
        measures[code] = items
        stored: dict[str, Any] = {"measures": measures}
        if code == PHQ9:
            stored["phq9_item9"] = items["q9"]
        return stored

    return type(
        f"{code.upper()}Form",
        (StepForm,),
        {
            **fields,
            "stem": questionnaire.stem,
            "stored_values": classmethod(stored_values),
            "to_answers": to_answers,
        },
    )


# --- The ASQ suicide risk screen (spec §5) -----------------------------------------------------

ASQ_ANSWERS = [("1", "Yes"), ("0", "No")]
ASQ_ATTEMPT_DETAIL_KEY = "asq_attempt_how_when"


def _asq_question(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=ASQ_ANSWERS, coerce=int, empty_value=None, widget=forms.RadioSelect
    )


def _any_asq_yes(answers: Mapping[str, Any]) -> bool:
    return any(answers.get(item) == 1 for item in ASQ_SCREEN_ITEMS)


class SuicideRiskScreenForm(StepForm):
    """The NIMH ASQ, worded as the toolkit words it. The service scores it on saving and
    stores the band under `suicide_risk_screen`."""

    stem = ASQ_QUESTIONNAIRE.stem
    q1 = _asq_question(f"1. {ASQ_QUESTIONNAIRE.items[0]}")
    q2 = _asq_question(f"2. {ASQ_QUESTIONNAIRE.items[1]}")
    q3 = _asq_question(f"3. {ASQ_QUESTIONNAIRE.items[2]}")
    q4 = _asq_question(f"4. {ASQ_QUESTIONNAIRE.items[3]}")
    q4_how_when = forms.CharField(
        label=ASQ_ATTEMPT_FOLLOW_UP,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="As much or as little as you want to tell us.",
    )
    q5 = _asq_question(f"5. {ASQ_ACUTE_QUESTION}")

    follow_ups: ClassVar[dict[str, FollowUp]] = {
        "q4_how_when": FollowUp(
            applies=lambda answers: answers.get("q4") == 1, show_when="q4=1", required=False
        ),
        ASQ_ACUTE_ITEM: FollowUp(
            applies=_any_asq_yes,
            message="Please answer this question too.",
            show_when="|".join(f"{item}=1" for item in ASQ_SCREEN_ITEMS),
        ),
    }

    @classmethod
    def stored_values(cls, answers: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(answers.get("measures", {}).get(ASQ, {}))
        if answers.get(ASQ_ATTEMPT_DETAIL_KEY):
            values["q4_how_when"] = answers[ASQ_ATTEMPT_DETAIL_KEY]
        return values

    def to_answers(self) -> dict[str, Any]:
        items = {
            item: self.cleaned_data[item]
            for item in (*ASQ_SCREEN_ITEMS, ASQ_ACUTE_ITEM)
            if self.cleaned_data.get(item) is not None
        }
        measures = dict(self.answers.get("measures", {}))
        measures[ASQ] = items
        return {
            "measures": measures,
            ASQ_ATTEMPT_DETAIL_KEY: self.cleaned_data.get("q4_how_when") or None,
        }
