"""Forms of integration therapy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from clinic.fields import ClinicDateField
from clinic.models import Patient
from intake.instruments import QUESTIONNAIRES
from integration.models import INTERVENTIONS, NOTE_SECTION_MAX, IntegrationNote, Modality

YES_NO = [("", "Not asked yet"), ("no", "No"), ("yes", "Yes")]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class NoteForm(forms.Form):
    date = ClinicDateField(label="Session date", widget=forms.DateInput(attrs={"type": "date"}))
    modality = forms.ChoiceField(label="Modality", choices=Modality.choices)
    minutes = forms.IntegerField(label="Minutes", required=False, min_value=5, max_value=600)
    sessions = forms.TypedMultipleChoiceField(
        label="Linked treatment sessions",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    experience = forms.CharField(
        label="Patient's account of the experience",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_SECTION_MAX,
    )
    themes = forms.CharField(
        label="Themes and insights",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_SECTION_MAX,
    )
    emotional_state = forms.CharField(
        label="Emotional state",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_SECTION_MAX,
    )
    risk_suicidal_thoughts = forms.ChoiceField(
        label="Risk check: suicidal thoughts?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    risk_plan = forms.ChoiceField(
        label="Risk check: a plan or intent?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    protective_factors = forms.CharField(
        label="Protective factors",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_SECTION_MAX,
    )
    interventions = forms.MultipleChoiceField(
        label="Interventions used",
        choices=INTERVENTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    intentions = forms.CharField(
        label="Intentions and goals",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_SECTION_MAX,
    )
    share_intentions = forms.BooleanField(label="Share intentions with the patient", required=False)
    practices = forms.CharField(
        label="Practices / homework",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_SECTION_MAX,
    )
    share_practices = forms.BooleanField(label="Share practices with the patient", required=False)
    plan = forms.CharField(
        label="Plan and next steps",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_SECTION_MAX,
    )
    free_text = forms.CharField(
        label="Other notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_SECTION_MAX,
    )

    def __init__(self, *args: Any, session_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sessions"].choices = session_choices

    @classmethod
    def initial_from(cls, note: IntegrationNote) -> dict[str, Any]:
        def answer(value: bool | None) -> str:
            return "" if value is None else ("yes" if value else "no")

        return {
            "date": note.date,
            "modality": note.modality,
            "minutes": note.minutes,
            "sessions": [s.pk for s in note.sessions.all()],
            "risk_suicidal_thoughts": answer(note.risk_suicidal_thoughts),
            "risk_plan": answer(note.risk_plan),
            "interventions": note.interventions,
            "share_intentions": note.share_intentions,
            "share_practices": note.share_practices,
            **{
                name: getattr(note, name)
                for name in (
                    "experience",
                    "themes",
                    "emotional_state",
                    "protective_factors",
                    "intentions",
                    "practices",
                    "plan",
                    "free_text",
                )
            },
        }

    def risk(self, name: str) -> bool | None:
        return _yes_no(self.cleaned_data.get(name, ""))


class AddendumForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=300, help_text="e.g. correction, late entry"
    )
    text = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class GroupForm(forms.Form):
    date = ClinicDateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    modality = forms.ChoiceField(label="Modality", choices=Modality.choices)
    minutes = forms.IntegerField(label="Minutes", min_value=15, max_value=600, initial=90)
    topic = forms.CharField(label="Topic", max_length=120, required=False)
    patients = forms.ModelMultipleChoiceField(
        label="Participants", queryset=Patient.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, caseload: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patients"].queryset = caseload
        self.fields["patients"].label_from_instance = lambda patient: patient.name_for_list
        self.fields["date"].initial = timezone.localdate()


class MeasuresForm(forms.Form):
    """The questionnaires a patient answers before a session, in the official wording."""

    def __init__(self, *args: Any, instruments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instruments = instruments
        self.sections: list[tuple[str, str, list[str]]] = []
        for code in instruments:
            questionnaire = QUESTIONNAIRES[code]
            names = []
            for number, text in enumerate(questionnaire.items, start=1):
                name = f"{code}_q{number}"
                self.fields[name] = forms.TypedChoiceField(
                    label=f"{number}. {text}",
                    choices=list(enumerate(questionnaire.answers)),
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages={"required": "Choose an answer."},
                )
                names.append(name)
            self.sections.append((questionnaire.title, questionnaire.stem, names))

    def section_fields(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (title, stem, [self[name] for name in names]) for title, stem, names in self.sections
        ]

    def answers(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for name, value in self.cleaned_data.items():
            code, item = name.split("_", 1)
            result.setdefault(code, {})[item] = value
        return result
