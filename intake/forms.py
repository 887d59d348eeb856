"""Forms of the intake app other than the questionnaire steps (intake/questionnaire.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import UsernameField

from clinic.forms import normalise_phone, validate_birth_date
from clinic.models import User


class InvitationForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=80)
    last_name = forms.CharField(label="Last name", max_length=80)
    email = forms.EmailField(label="Email", required=False)
    mobile = forms.CharField(
        label="Mobile phone", max_length=32, required=False, help_text="For a text-message link."
    )
    date_of_birth = forms.DateField(
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
    username = UsernameField(
        label="Choose a username",
        max_length=150,
        help_text="You will sign in with this. Your email address works well.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only numbers, not a common password.",
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, first_name: str = "", last_name: str = "", **kwargs: Any):
        self.first_name, self.last_name = first_name, last_name
        super().__init__(*args, **kwargs)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken. Choose another.")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        elif first:
            candidate = User(
                username=cleaned.get("username", ""),
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
