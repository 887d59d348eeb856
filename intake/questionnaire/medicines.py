"""The medicines step: the free list, the medicines that change ketamine's effects, and
the allergy list (`allergies`: [] is "no known allergies", a missing key "not answered")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from intake.questionnaire.base import StepDraft, StepForm, yes_no

# --- Medications and allergies ---------------------------------------------------------------

NO_KNOWN_ALLERGIES = "No known allergies"
ALLERGY_ROWS_MAX = 20


class AllergyRowForm(forms.Form):
    """One allergy: what the patient is allergic to and what happens."""

    substance = forms.CharField(
        label="Allergic to", max_length=120, required=False, help_text="A medicine, food or other."
    )
    reaction = forms.CharField(
        label="What happens",
        max_length=160,
        required=False,
        help_text="For example: rash, swelling, trouble breathing.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["substance"] = " ".join(cleaned.get("substance", "").split())
        cleaned["reaction"] = " ".join(cleaned.get("reaction", "").split())
        if cleaned["reaction"] and not cleaned["substance"]:
            self.add_error("substance", "Please say what you are allergic to.")
        return cleaned


class MedicationsForm(StepForm):
    medication_list = forms.CharField(
        label="Your current medicines",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=3000,
        help_text="One per line: name, dose, how often. Example: sertraline 100 mg, once a day.",
    )
    benzodiazepine = yes_no(
        "Do you take a benzodiazepine?",
        "For example alprazolam (Xanax), lorazepam (Ativan), clonazepam (Klonopin), diazepam.",
    )
    sedative_hypnotic = yes_no(
        "Do you take a sleeping pill that is not a benzodiazepine?",
        "For example zolpidem (Ambien), zopiclone, eszopiclone (Lunesta) or zaleplon (Sonata).",
    )
    lamotrigine = yes_no("Do you take lamotrigine (Lamictal)?")
    maoi = yes_no(
        "Do you take an MAO inhibitor?",
        "For example phenelzine (Nardil), tranylcypromine (Parnate), selegiline (Emsam).",
    )
    stimulant = yes_no(
        "Do you take a stimulant?",
        "For example methylphenidate (Ritalin, Concerta) or amphetamine (Adderall, Vyvanse).",
    )
    opioid = yes_no(
        "Do you take an opioid pain medicine?",
        "For example oxycodone, hydrocodone, morphine, tramadol, buprenorphine, methadone.",
    )
    theophylline = yes_no(
        "Do you take theophylline or aminophylline?",
        "Medicines for asthma or COPD, for example Theo-24, Uniphyl or Elixophyllin.",
    )
    naltrexone = yes_no(
        "Do you take naltrexone?",
        "For example Revia or Vivitrol, or Contrave (naltrexone with bupropion).",
    )
    # Stored as the `allergies` list: [] is "no known allergies", a missing key "not answered".
    allergy_status = forms.ChoiceField(
        label="Do you have any allergies (to medicines, foods, latex or anything else)?",
        choices=[("none", NO_KNOWN_ALLERGIES), ("listed", "Yes, I have allergies")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A draft ("Save and finish later") brings its own rows in `initial`.
        stored = list(self.initial.get("allergies", self.answers.get("allergies")) or [])
        rows = forms.formset_factory(
            AllergyRowForm,
            extra=1 if stored else 2,
            max_num=ALLERGY_ROWS_MAX,
            validate_max=True,
        )
        self.allergy_rows = rows(
            self.data if self.is_bound else None, prefix="allergy", initial=stored
        )

    @classmethod
    def stored_values(cls, answers: Mapping[str, Any]) -> dict[str, Any]:
        values = super().stored_values(answers)
        if answers.get("allergies") is not None:
            values["allergy_status"] = "listed" if answers["allergies"] else "none"
        return values

    @classmethod
    def as_data(cls, answers: Mapping[str, Any]) -> dict[str, Any]:
        data = super().as_data(answers)
        listed = list(answers.get("allergies") or [])
        data.update(
            {
                "allergy-TOTAL_FORMS": str(len(listed)),
                "allergy-INITIAL_FORMS": str(len(listed)),
            }
        )
        for number, allergy in enumerate(listed):
            data[f"allergy-{number}-substance"] = allergy.get("substance", "")
            data[f"allergy-{number}-reaction"] = allergy.get("reaction", "")
        return data

    def listed_allergies(self) -> list[dict[str, str]]:
        return [
            {"substance": row.cleaned_data["substance"], "reaction": row.cleaned_data["reaction"]}
            for row in self.allergy_rows.forms
            if row.cleaned_data.get("substance")
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("allergy_status") == "listed":
            if not self.allergy_rows.is_valid():
                self.add_error("allergy_status", "Please check the allergies listed below.")
            elif not self.listed_allergies():
                self.add_error(
                    "allergy_status",
                    f"List at least one allergy below, or choose “{NO_KNOWN_ALLERGIES}”.",
                )
        return cleaned

    def draft(self) -> StepDraft:
        """The page's answers as a draft, with the allergy rows that are complete on their
        own (`allergies`: a row needs what the patient is allergic to)."""
        draft = super().draft()
        values, invalid = dict(draft.values), dict(draft.invalid)
        rows: list[dict[str, str]] = []
        problems: list[str] = []
        if values.get("allergy_status") != "none":
            for number, row in enumerate(self.allergy_rows.forms, start=1):
                if not row.is_valid():
                    problems.extend(
                        f"Allergy {number}: {message}"
                        for errors in row.errors.values()
                        for message in errors
                    )
                elif row.cleaned_data.get("substance") and len(rows) < ALLERGY_ROWS_MAX:
                    rows.append(
                        {
                            "substance": row.cleaned_data["substance"],
                            "reaction": row.cleaned_data["reaction"],
                        }
                    )
        values["allergies"] = rows
        if problems:
            invalid["allergies"] = problems
        return StepDraft(values=values, invalid=invalid, unanswered=draft.unanswered)

    def question_label(self, name: str) -> str:
        return "Your allergies" if name == "allergies" else super().question_label(name)

    def to_answers(self) -> dict[str, Any]:
        stored = super().to_answers()
        listed = stored.pop("allergy_status") == "listed"
        stored["allergies"] = self.listed_allergies() if listed else []
        return stored
