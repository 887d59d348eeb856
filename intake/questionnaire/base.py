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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.forms.utils import ErrorDict

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


@dataclass(frozen=True)
class StepDraft:
    """What "Save and finish later" keeps of a page that is not fully answered.

    `values`: the answers valid on their own, by field name, as the page shows them (JSON);
    an answer typed but not valid keeps the value the page showed before. `invalid`: the
    answers typed but not valid (field name: why), which are not kept. `unanswered`: the
    questions still to answer."""

    values: dict[str, Any]
    invalid: dict[str, list[str]] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)


def shown_value(value: Any) -> Any:
    """A cleaned or stored answer as a page shows it, in JSON (drafts are JSON)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


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

    def _clean_fields(self) -> None:
        super()._clean_fields()
        # Each answer on its own, before the checks across answers (`clean`): what "Save
        # and finish later" may keep, and which errors are about the value typed.
        self.own_values = dict(self.cleaned_data)
        self.own_errors = {name: errors.as_data() for name, errors in self._errors.items()}

    def draft(self) -> StepDraft:
        """The page as "Save and finish later" keeps it (see `StepDraft`). A question left
        empty is unanswered, not invalid; a follow-up that does not apply is dropped as
        `clean` drops it."""
        self.is_valid()
        current = {**self.answers, **self.own_values}
        values: dict[str, Any] = {}
        invalid: dict[str, list[str]] = {}
        for name in self.fields:
            follow_up = self.follow_ups.get(name)
            if follow_up is not None and not follow_up.applies(current):
                continue
            value = self.own_values.get(name)
            errors = self.own_errors.get(name, [])
            if errors and any(error.code != "required" for error in errors):
                invalid[name] = [message for error in errors for message in error.messages]
                if self.initial.get(name) not in (None, ""):
                    values[name] = shown_value(self.initial[name])
            elif value not in (None, ""):
                field_ = self.fields[name]
                if isinstance(field_, forms.ChoiceField):
                    values[name] = str(self[name].data)  # the choice as the page posts it
                else:
                    values[name] = shown_value(value)
        unanswered = [
            name
            for name in self.errors
            if name in self.fields and name not in values and name not in invalid
        ]
        return StepDraft(values=values, invalid=invalid, unanswered=unanswered)

    def question_label(self, name: str) -> str:
        """The question a draft's key stands for, as the page words it."""
        return str(self.fields[name].label) if name in self.fields else name

    def show_only_errors(self, invalid: Mapping[str, list[str]]) -> None:
        """After a partial save: mark only the answers that were not kept, not the
        questions still unanswered."""
        self._errors = ErrorDict(
            {name: self.error_class(messages) for name, messages in invalid.items()}
        )

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
