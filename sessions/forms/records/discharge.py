"""Discharge forms: the discharge itself and a session ended without a dose."""

from __future__ import annotations

from django import forms


class EndWithoutDoseForm(forms.Form):
    """End the session at the chair without a dose: the reason is required."""

    reason = forms.CharField(
        label="Why the dose is not given",
        help_text="E.g. blood pressure still 172/104 on re-measure; the patient declined.",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Write why the session ends without a dose."},
    )


class DischargeForm(forms.Form):
    override_reason = forms.CharField(
        label="Psychiatrist's reason to discharge with unmet criteria",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    rems_ready_minutes = forms.IntegerField(
        label="Clinically ready to leave at (minutes after the first device)",
        required=False,
        min_value=0,
        max_value=600,
        help_text="Your judgement, had there been no 2-hour rule (REMS form).",
    )
