"""Forms of the intake app other than the questionnaire steps (intake/questionnaire.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from clinic.fields import ClinicDateField
from clinic.forms import normalise_phone, validate_birth_date
from clinic.models import User
from intake.choices import Route
from intake.models import Decision


class InvitationForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=80)
    last_name = forms.CharField(label="Last name", max_length=80)
    email = forms.EmailField(label="Email", required=False)
    mobile = forms.CharField(
        label="Mobile phone", max_length=32, required=False, help_text="For a text-message link."
    )
    date_of_birth = ClinicDateField(
        label="Date of birth (if known)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_mobile(self) -> str:
        return normalise_phone(self.cleaned_data["mobile"])

    def clean_date_of_birth(self) -> Any:
        return validate_birth_date(self.cleaned_data["date_of_birth"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            not cleaned.get("email")
            and not cleaned.get("mobile")
            and "email" not in self.errors
            and "mobile" not in self.errors
        ):
            self.add_error("email", "Give an email address or a mobile number (or both).")
        return cleaned


class AcceptInvitationForm(forms.Form):
    """The patient chooses a password; the clinic assigns the username (shown on the page)."""

    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only numbers, not a common password.",
        max_length=4096,
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=4096,
    )

    def __init__(
        self,
        *args: Any,
        username: str = "",
        first_name: str = "",
        last_name: str = "",
        **kwargs: Any,
    ):
        self.username, self.first_name, self.last_name = username, first_name, last_name
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        elif first:
            candidate = User(
                username=self.username,
                first_name=self.first_name,
                last_name=self.last_name,
                account_type="patient",
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AcknowledgeAlertForm(forms.Form):
    action_note = forms.CharField(
        label="Action taken",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="For example: called the patient, safety plan reviewed, next contact agreed.",
    )

    def clean_action_note(self) -> str:
        note = self.cleaned_data["action_note"].strip()
        if len(note) < 10:
            raise forms.ValidationError("Describe the action taken (at least 10 characters).")
        return note


class EvaluationBloodPressureForm(forms.Form):
    systolic = forms.IntegerField(label="Systolic (mmHg)", min_value=50, max_value=300)
    diastolic = forms.IntegerField(label="Diastolic (mmHg)", min_value=20, max_value=200)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        systolic, diastolic = cleaned.get("systolic"), cleaned.get("diastolic")
        if systolic and diastolic and diastolic >= systolic:
            self.add_error("diastolic", "The diastolic value must be below the systolic.")
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=Decision.choices, widget=forms.RadioSelect
    )
    routes = forms.MultipleChoiceField(
        label="Routes the patient may receive (when approving)",
        choices=Route.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    staff_reason = forms.CharField(
        label="Reason (staff only)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text="Required when declining. Printed on the staff decision letter.",
    )
    patient_message = forms.CharField(
        label="Message to the patient",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Required when asking for more information. When declining, a kind "
        "standard message is used if you leave this empty.",
    )
    reopen_steps = forms.MultipleChoiceField(
        label="Intake steps to reopen (when asking for more information)",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self, *args: Any, absolute_flags: list[dict[str, str]], steps: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reopen_steps"].choices = [
            (step.slug, step.title) for step in steps if step.slug != "consent"
        ]
        self.override_names = []
        for flag in absolute_flags:
            name = f"override_{flag['code']}"
            self.fields[name] = forms.CharField(
                label=f"Justification for approving despite {flag['code']}",
                help_text=flag["reason"] + " At least 20 characters; printed on the letter.",
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=2000,
            )
            self.override_names.append(name)

    def overrides(self) -> dict[str, str]:
        return {
            name.removeprefix("override_"): self.cleaned_data.get(name, "")
            for name in self.override_names
        }
