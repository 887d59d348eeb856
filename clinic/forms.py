"""Forms of the core: sign-in, second factor, patient search, audit filter, patient details."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import time_format

from clinic import preferences
from clinic.auth import SIGN_IN_FAILED
from clinic.choices import AccountType, AuditAction, JourneyState, ReminderChannel, Role
from clinic.fields import ClinicDateField
from clinic.models import ClinicSettings, Location, Patient, User


class SignInForm(AuthenticationForm):
    password = forms.CharField(
        label="Password", strip=False, max_length=4096, widget=forms.PasswordInput
    )
    error_messages = {
        "invalid_login": SIGN_IN_FAILED,
        "inactive": SIGN_IN_FAILED,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        # AuthenticationForm only sets the widget's maxlength; a longer name posted
        # directly must be a form error, never a database error (axes stores it).
        self.fields["username"].validators.append(
            MaxLengthValidator(User._meta.get_field("username").max_length)
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class ReauthenticateForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=4096,
    )
    token = forms.CharField(
        label="6-digit code from your current authenticator app",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )

    def clean_token(self) -> str:
        return _six_digits(self.cleaned_data["token"])


def _six_digits(value: str) -> str:
    token = value.replace(" ", "")
    if not token.isdigit() or len(token) != 6:
        raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
    return token


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        return _six_digits(self.cleaned_data["token"])


class PatientSearchForm(forms.Form):
    q = forms.CharField(label="Name or record number", required=False, max_length=100)
    dob = ClinicDateField(
        label="Date of birth",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    state = forms.ChoiceField(
        label="Journey state",
        required=False,
        choices=[("", "Any state"), *JourneyState.choices],
    )


class AuditFilterForm(forms.Form):
    patient = forms.CharField(
        label="Record number", required=False, max_length=20, help_text="e.g. KC-000012"
    )
    user = forms.ModelChoiceField(
        label="User",
        required=False,
        # Staff only: patients' names are not the admin's to list.
        queryset=User.objects.filter(account_type=AccountType.STAFF).order_by("username"),
        empty_label="Anyone",
    )
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditAction.choices]
    )
    date_from = ClinicDateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = ClinicDateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


def attach_errors(
    form: forms.Form, error: ValidationError, *, default_field: str | None = None
) -> None:
    """Put a service's ValidationError next to the field it names; an error without a
    field goes next to `default_field` if given, otherwise above the form."""
    fallback = default_field if default_field in form.fields else None
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else fallback, problems)
    else:
        form.add_error(fallback, error.messages)


def normalise_phone(value: str, region: str = "") -> str:
    """A phone number in E.164 form, or a ValidationError that says what is wrong.

    Letters are refused: the phone library would read them as keypad digits, turning a
    typo such as "617-55x-abcd" into someone else's number on the urgent-alert page."""
    if not value:
        return ""
    region = region or settings.CLINIC_COUNTRY
    if any(character.isalpha() for character in value):
        raise forms.ValidationError(
            "A phone number has digits only (no letters), e.g. (617) 555-0134."
        )
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise forms.ValidationError("Enter a phone number, e.g. (617) 555-0134.") from None
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError("This phone number is not valid.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Postal codes by the clinic's country (CLINIC_COUNTRY); elsewhere a plain sanity rule.
POSTAL_CODES = {
    "US": (
        re.compile(r"^\d{5}(-\d{4})?$"),
        "Enter a 5-digit ZIP code, e.g. 02139 (or 02139-4307).",
    ),
    "CA": (re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$"), "Enter a postal code such as K1A 0B1."),
}
_ANY_POSTAL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")


def normalise_postal_code(value: str) -> str:
    """The postal code, upper-cased and trimmed, or a ValidationError for the country."""
    code = " ".join(value.upper().split())
    if not code:
        return ""
    pattern, message = POSTAL_CODES.get(
        settings.CLINIC_COUNTRY, (_ANY_POSTAL_CODE, "Enter a valid postal code.")
    )
    if not pattern.match(code):
        raise forms.ValidationError(message)
    return code


def validate_birth_date(born: Any) -> Any:
    """A plausible date of birth, or a ValidationError that says what is wrong."""
    if born is None:
        return None
    today = timezone.localdate()
    if born > today:
        raise forms.ValidationError("The date of birth cannot be in the future.")
    if born.year < today.year - 120:
        raise forms.ValidationError("Check the year: that is more than 120 years ago.")
    return born


class PatientDetailsForm(forms.ModelForm):
    """Demographics and contact details, edited by coordinators."""

    class Meta:
        model = Patient
        fields = [
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "date_of_birth",
            "sex_at_birth",
            "pronouns",
            "email",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
            "reminder_channel",
            "home_location",
        ]
        field_classes = {"date_of_birth": ClinicDateField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The patient's usual location (controlled-substances.md §1): an active one, or
        # the one already set.
        current = self.instance.home_location_id if self.instance else None
        self.fields["home_location"].queryset = Location.objects.filter(
            Q(is_active=True) | Q(pk=current)
        ).order_by("pk")

    def clean_date_of_birth(self) -> Any:
        return validate_birth_date(self.cleaned_data["date_of_birth"])

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean_emergency_contact_phone(self) -> str:
        return normalise_phone(self.cleaned_data["emergency_contact_phone"])

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data["postal_code"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        missing = preferences.missing_contacts(
            cleaned.get("reminder_channel") or "",
            email=cleaned.get("email") or "",
            phone=cleaned.get("phone") or "",
        )
        for field, message in missing.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned


def reminder_channel_field() -> forms.ChoiceField:
    """The one question about reminders, asked in the intake and on the portal's
    reminder preferences page."""
    return forms.ChoiceField(
        label="How should we send appointment reminders?",
        choices=ReminderChannel.choices,
        widget=forms.RadioSelect,
        help_text="“No reminders” stops booking confirmations and session reminders; "
        "your care team can still phone you.",
    )


class ReminderPreferencesForm(forms.Form):
    """A patient's reminder channel and quiet hours for text messages (portal page)."""

    reminder_channel = reminder_channel_field()
    sms_quiet_start = forms.TimeField(
        label="From",
        required=False,
        widget=forms.TimeInput(
            attrs={"type": "time", "aria-describedby": "quiet-help"}, format="%H:%M"
        ),
    )
    sms_quiet_end = forms.TimeField(
        label="Until",
        required=False,
        widget=forms.TimeInput(
            attrs={"type": "time", "aria-describedby": "quiet-help"}, format="%H:%M"
        ),
    )

    def __init__(self, *args: Any, patient: Patient, clinic: ClinicSettings, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "reminder_channel": patient.reminder_channel,
                "sms_quiet_start": patient.sms_quiet_start,
                "sms_quiet_end": patient.sms_quiet_end,
            },
        )
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.quiet_help = (
            "A text message due in your quiet hours waits until they end; emails are not "
            "held. Leave both times empty to use the clinic's quiet hours "
            f"({_clock(clinic.sms_quiet_start)} to {_clock(clinic.sms_quiet_end)})."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        missing = preferences.missing_contacts(
            cleaned.get("reminder_channel") or "",
            email=self.patient.email,
            phone=self.patient.phone,
        )
        if missing:
            self.add_error(
                "reminder_channel",
                " ".join(missing.values())
                + " We have none on file for you: choose another way, or call the clinic "
                "to add it.",
            )
        if "sms_quiet_start" not in self.errors and "sms_quiet_end" not in self.errors:
            for field, message in preferences.quiet_hours_errors(
                cleaned.get("sms_quiet_start"), cleaned.get("sms_quiet_end")
            ).items():
                self.add_error(field, message)
        return cleaned


def _clock(moment: Any) -> str:
    return time_format(moment, "g:i A")


class CareTeamForm(forms.Form):
    psychiatrist = forms.ModelChoiceField(
        label="Psychiatrist", required=False, queryset=User.objects.none()
    )
    therapist = forms.ModelChoiceField(
        label="Integration therapist", required=False, queryset=User.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active_staff = User.objects.filter(is_active=True).order_by("last_name", "first_name")
        self.fields["psychiatrist"].queryset = active_staff.filter(
            staff_roles__role=Role.PSYCHIATRIST
        ).distinct()
        self.fields["therapist"].queryset = active_staff.filter(
            staff_roles__role=Role.THERAPIST
        ).distinct()
