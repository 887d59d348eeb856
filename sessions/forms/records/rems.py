"""The REMS patient monitoring form sent for a session."""

from __future__ import annotations

from django import forms

from clinic.fields import ClinicDateField


class RemsSubmissionForm(forms.Form):
    submitted_on = ClinicDateField(
        label="Submitted on", widget=forms.DateInput(attrs={"type": "date"})
    )
    confirmation = forms.CharField(label="Confirmation number", required=False, max_length=60)
    missing_note = forms.CharField(
        label="Why it was submitted with fields missing",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed only when the page lists missing fields.",
    )
