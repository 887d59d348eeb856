"""Monitoring forms: vital signs with sedation and dissociation, an alert
acknowledged, an adverse event, and the reason a gate is overridden."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from sessions import monitoring
from sessions.forms.records.fields import ClinicTimeField, numeric
from sessions.models.adverse_events import AdverseEventType, InfusionAction, Severity

MOAAS_CHOICES = [
    ("", "—"),
    (5, "5 · responds readily to name"),
    (4, "4 · lethargic response to name"),
    (3, "3 · responds only to loud voice"),
    (2, "2 · responds only to shaking"),
    (1, "1 · responds only to pain"),
    (0, "0 · no response"),
]

DISSOCIATION_CHOICES = [
    ("", "—"),
    (0, "0 · none"),
    (1, "1 · mild"),
    (2, "2 · moderate"),
    (3, "3 · marked"),
    (4, "4 · severe"),
]


class VitalsForm(forms.Form):
    taken_at = ClinicTimeField(label="Time taken")
    systolic = numeric(forms.IntegerField(label="Systolic (mmHg)", required=False))
    diastolic = numeric(forms.IntegerField(label="Diastolic (mmHg)", required=False))
    heart_rate = numeric(forms.IntegerField(label="HR (bpm)", required=False))
    spo2 = numeric(forms.IntegerField(label="SpO2 (%)", required=False))
    resp_rate = numeric(forms.IntegerField(label="RR (/min)", required=False))
    temperature_c = forms.DecimalField(
        label="Temp. (°C)", required=False, max_digits=3, decimal_places=1
    )
    moaas = forms.TypedChoiceField(
        label="MOAA/S", choices=MOAAS_CHOICES, coerce=int, empty_value=None, required=False
    )
    dissociation = forms.TypedChoiceField(
        label="Dissociation (clinician 0–4)",
        choices=DISSOCIATION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    cadss6 = numeric(forms.IntegerField(label="CADSS-6 total (0–24)", required=False))
    comment = forms.CharField(label="Comment", required=False, max_length=500)

    VITALS = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate", "temperature_c", "moaas")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            try:
                monitoring.validate_reading({key: data.get(key) for key in self.VITALS})
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    self.add_error(None if key == "__all__" else key, messages)
        return data

    def values(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in self.VITALS}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=AdverseEventType.choices)
    severity = forms.ChoiceField(label="Severity", choices=Severity.choices)
    onset_at = ClinicTimeField(label="Onset")
    description = forms.CharField(label="Description", required=False, max_length=300)
    medication = forms.CharField(label="Medication given", required=False, max_length=80)
    medication_dose = forms.CharField(label="Medication dose", required=False, max_length=40)
    medication_at = ClinicTimeField(label="Medication time", help_text="Blank: onset time.")
    infusion_action = forms.ChoiceField(
        label="Infusion", choices=InfusionAction.choices, required=False
    )
    outcome = forms.CharField(label="Outcome", required=False, max_length=300)


class AcknowledgeForm(forms.Form):
    alert = forms.IntegerField(widget=forms.HiddenInput)
    action_taken = forms.CharField(
        label="Action taken",
        max_length=500,
        help_text="e.g. “infusion paused, re-check in 5 min”, “clonidine 0.1 mg given”.",
    )
