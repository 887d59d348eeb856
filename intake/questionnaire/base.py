"""What every intake step shares: Yes/No and date questions, follow-up questions, the
step form and how its answers are stored.

Answers are stored under the keys of intake-and-screening.md §2 (the contract with
`intake.screening`): booleans as true/false, dates as ISO strings, enums as their codes.
A missing key means "not answered" (or "not asked"): a question is never stored as "no"
unless the patient said no.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms

from clinic.fields import ClinicDateField
from intake.screening import CONDITIONAL_KEYS, is_asked

YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    """A Yes/No question stored as a boolean (required unless it is a follow-up)."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
    )


def date_field(label: str, help_text: str = "") -> forms.DateField:
    return ClinicDateField(
        label=label,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@dataclass(frozen=True)
class FollowUp:
    """A question asked only when another answer makes it relevant.

    `applies` reads the answers (stored ones overlaid with the page's); when it holds, the
    question is required (unless `required` is false), when it does not, the answer is
    dropped. `show_when` is the same condition for the browser (static/js/intake.js):
    `field=value`, `field!=value` (answered, and not that value), alternatives joined by
    `|`; empty when the deciding answer is on another page (the step is then shown or
    skipped as a whole).
    """

    applies: Callable[[Mapping[str, Any]], bool]
    message: str = "Please answer this question."
    show_when: str = ""
    required: bool = True


def contract_follow_up(key: str, show_when: str, message: str) -> FollowUp:
    """A follow-up of the screening contract: asked exactly when `screening.is_asked`."""
    return FollowUp(
        applies=lambda answers: is_asked(key, answers), message=message, show_when=show_when
    )


class StepForm(forms.Form):
    """A step of the intake. Subclasses list their fields; storage is generic."""

    follow_ups: ClassVar[dict[str, FollowUp]] = {}
    stem: ClassVar[str] = ""

    def __init__(self, *args: Any, answers: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self.answers = dict(answers or {})
        kwargs.setdefault("initial", self.initial_from(self.answers))
        super().__init__(*args, **kwargs)
        for name, follow_up in self.follow_ups.items():
            field = self.fields[name]
            field.required = False  # required only when it applies (see `clean`)
            if follow_up.show_when:
                field.widget.attrs["data-show-when"] = follow_up.show_when

    @classmethod
    def stored_values(cls, answers: Mapping[str, Any]) -> dict[str, Any]:
        """This step's stored answers, by field name."""
        return {name: answers[name] for name in cls.base_fields if answers.get(name) is not None}

    @classmethod
    def initial_from(cls, answers: Mapping[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name, value in cls.stored_values(answers).items():
            field = cls.base_fields[name]
            if isinstance(field, forms.TypedChoiceField) and field.choices == YES_NO:
                initial[name] = "yes" if value else "no"
            elif isinstance(field, forms.ChoiceField) and isinstance(value, int):
                initial[name] = str(value)
            else:
                initial[name] = value
        return initial

    @classmethod
    def as_data(cls, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Stored answers as the step's form would post them (demo data, staff tools)."""
        data: dict[str, Any] = {}
        for name, value in cls.initial_from(answers).items():
            if isinstance(cls.base_fields[name], forms.BooleanField):
                if value:
                    data[name] = "on"
            elif isinstance(value, dt.date):
                data[name] = value.isoformat()
            else:
                data[name] = str(value)
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        current = {**self.answers, **cleaned}
        for name, follow_up in self.follow_ups.items():
            if follow_up.applies(current):
                if (
                    follow_up.required
                    and cleaned.get(name) in (None, "")
                    and name not in self.errors
                ):
                    self.add_error(name, follow_up.message)
            else:
                cleaned[name] = None  # not asked: whatever was posted is dropped
        return cleaned

    def to_answers(self) -> dict[str, Any]:
        """The step's answers by key; None means "not answered" (the key is dropped)."""
        stored: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, dt.date):
                value = value.isoformat()
            stored[name] = value
        return stored


def tidy_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers without unanswered keys (None) and without follow-ups of the screening
    contract whose condition no longer holds (e.g. `breastfeeding` after the sex at birth
    was changed to male): a missing key means "not answered", never "no"."""
    kept = {key: value for key, value in answers.items() if value is not None}
    for key in CONDITIONAL_KEYS:
        if key in kept and not is_asked(key, kept):
            del kept[key]
    return kept
