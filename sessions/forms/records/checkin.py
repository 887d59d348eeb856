"""Check-in forms: weight, medication changes, pregnancy (the question, the test, or
why it does not apply) and the questionnaires (ASQ, PHQ-9)."""

from __future__ import annotations

from typing import Any

from django import forms

from clinic.fields import ClinicDateField
from intake.instruments import ASQ_ACUTE_QUESTION, ASQ_QUESTIONNAIRE, QUESTIONNAIRES
from intake.measures import PHQ9


class WeightForm(forms.Form):
    weight_kg = forms.DecimalField(
        label="Weight today (kg)",
        max_digits=4,
        decimal_places=1,
        min_value=30,
        max_value=300,
        help_text="In kilograms (1 kg = 2.2 lb).",
    )
    weight_kg.widget.attrs.update(
        {"inputmode": "decimal", "autocomplete": "off", "data-pounds": "weight"}
    )
    confirmed = forms.BooleanField(
        label="Re-measured: this weight is right, in kilograms",
        required=False,
    )

    @property
    def needs_confirmation(self) -> bool:
        """The confirmation box is shown once a large weight change was refused."""
        return bool(self.is_bound and (self.errors.get("weight_kg") or self.data.get("confirmed")))


MEDICINE_CLASSES = (
    ("benzodiazepine", "Benzodiazepine (e.g. lorazepam, clonazepam)"),
    ("sedative_hypnotic", "Sleeping pill, not a benzodiazepine (e.g. zolpidem)"),
    ("lamotrigine", "Lamotrigine"),
    ("maoi", "MAO inhibitor (e.g. phenelzine, selegiline)"),
    ("stimulant", "Stimulant (e.g. methylphenidate, amphetamine)"),
    ("opioid", "Opioid"),
    ("theophylline", "Theophylline or aminophylline"),
    ("naltrexone", "Naltrexone"),
)


class MedicationChangesForm(forms.Form):
    """What changed since the last visit, and which of the medicines the screening rules
    read the patient takes today (ticked from the latest screening)."""

    medication_changes = forms.CharField(
        label="Medication changes since last visit",
        max_length=1000,
        help_text="Write “none” if nothing changed.",
    )

    def __init__(self, *args: Any, current: dict[str, bool] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = current or {}
        for key, label in MEDICINE_CLASSES:
            self.fields[key] = forms.BooleanField(
                label=label, required=False, initial=bool(current.get(key))
            )

    def medicines(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(key)) for key, _label in MEDICINE_CLASSES}


class PregnancyForm(forms.Form):
    pregnancy = forms.ChoiceField(
        label="Pregnancy status today",
        choices=[
            ("not_pregnant", "Not pregnant"),
            ("unsure", "Unsure (a test is needed before the dose)"),
            ("pregnant", "Pregnant (stops the session)"),
        ],
        widget=forms.RadioSelect,
    )


class PregnancyTestForm(forms.Form):
    tested_on = ClinicDateField(
        label="Test date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(
        label="Test", choices=[("urine", "Urine"), ("serum", "Serum")], widget=forms.RadioSelect
    )
    result = forms.ChoiceField(
        label="Result",
        choices=[("negative", "Negative"), ("positive", "Positive")],
        widget=forms.RadioSelect,
    )


class PregnancyNotApplicableForm(forms.Form):
    reason = forms.CharField(
        label="Why pregnancy is not possible",
        max_length=300,
        help_text="e.g. hysterectomy, menopause. No test is asked for after this.",
    )


class AsqForm(forms.Form):
    """The pre-session ASQ (NIMH Ask Suicide-Screening Questions)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questions = [*ASQ_QUESTIONNAIRE.items, ASQ_ACUTE_QUESTION]
        for number, text in enumerate(questions, start=1):
            self.fields[f"q{number}"] = forms.TypedChoiceField(
                label=f"{number}. {text}",
                choices=[(1, "Yes"), (0, "No")],
                coerce=int,
                widget=forms.RadioSelect,
                required=number < 5,
                empty_value=None,
                help_text="Ask only after a yes to 1–4." if number == 5 else "",
                error_messages={"required": "Choose an answer."},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        screen = [data.get(f"q{n}") for n in range(1, 5)]
        if any(answer == 1 for answer in screen) and data.get("q5") is None:
            self.add_error("q5", "After a yes, ask question 5 (right now?).")
        return data

    def items(self) -> dict[str, int]:
        return {
            key: value
            for key, value in self.cleaned_data.items()
            if key.startswith("q") and value is not None
        }


class Phq9Form(forms.Form):
    """The pre-session PHQ-9, item by item in the official wording."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questionnaire = QUESTIONNAIRES[PHQ9]
        choices = list(enumerate(questionnaire.answers))
        for number, text in enumerate(questionnaire.items, start=1):
            self.fields[f"q{number}"] = forms.TypedChoiceField(
                label=f"{number}. {text}",
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose an answer."},
            )

    def items(self) -> dict[str, int]:
        return {key: value for key, value in self.cleaned_data.items() if key.startswith("q")}
