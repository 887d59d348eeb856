"""Forms of the controlled-substance pages: they parse and say what is wrong next to the
field; the services decide."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms

from clinic.fields import ClinicDateField
from clinic.models import Location, User
from controlled.choices import BusinessTime, DestructionReason
from controlled.models import Lot
from controlled.reports import REPORTS

WHOLE = {
    "invalid": "Enter a whole number, e.g. 3.",
    "min_value": "Cannot be negative.",
    "max_value": "That is more than a lot can hold.",
    "required": "Enter the number of full containers (0 if none).",
}
AMOUNT = {
    "invalid": "Enter a number, e.g. 4.5.",
    "min_value": "Cannot be negative.",
    "max_decimal_places": "At most two decimals.",
    "max_digits": "That is more than a lot can hold.",
    "max_whole_digits": "That is more than a lot can hold.",
}


class CountForm(forms.Form):
    """The blind count: for each lot, whole containers and the estimated contents of
    opened vials (a nasal device is counted whole: an opened one is not kept). It never
    holds the expected balance."""

    def __init__(self, *args: Any, lots: list[Lot], inventory: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lots = lots
        for lot in lots:
            unit = lot.product.unit
            self.fields[f"full_{lot.pk}"] = forms.IntegerField(
                label="Full containers", min_value=0, max_value=99999, error_messages=WHOLE
            )
            if unit != "mL":
                continue
            self.fields[f"opened_{lot.pk}"] = forms.DecimalField(
                label="Opened (mL, estimated)",
                min_value=0,
                max_digits=8,
                decimal_places=2,
                initial=Decimal(0),
                error_messages={**AMOUNT, "required": "Enter the estimated mL (0 if none)."},
            )
        if inventory:
            self.fields["business_time"] = forms.ChoiceField(
                label="Taken at",
                choices=BusinessTime.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Say whether it is taken at the opening or the "
                                "close of business."},
            )  # fmt: skip
        self.fields["note"] = forms.CharField(
            label="Note (optional)", required=False, max_length=500
        )
        # The location's latest count when the form was opened: a count recorded
        # meanwhile (another manager's) refuses this one (controlled.services.counts).
        self.fields["last_count"] = forms.CharField(
            widget=forms.HiddenInput, required=False, strip=True
        )
        self.fields["password"] = forms.CharField(
            label="Your password (signs the count)",
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            error_messages={"required": "Enter your password to sign the count."},
        )

    def last_count_seen(self) -> int | None:
        """The latest count when the form was opened (None if the page did not say)."""
        seen = self.cleaned_data.get("last_count", "")
        return int(seen) if seen.isdigit() and len(seen) < 19 else None

    def rows(self) -> list[tuple[Lot, forms.BoundField, forms.BoundField | None]]:
        return [
            (
                lot,
                self[f"full_{lot.pk}"],
                self[f"opened_{lot.pk}"] if lot.product.unit == "mL" else None,
            )
            for lot in self.lots
        ]

    def opened(self, lot: Lot) -> Decimal:
        return self.cleaned_data.get(f"opened_{lot.pk}") or Decimal(0)


class DecideForm(forms.Form):
    explanation = forms.CharField(
        label="Explanation",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Explain the difference before deciding."},
    )


class CaseForm(forms.Form):
    discovered_at = forms.DateTimeField(
        label="Discovered (date and time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter a date and time, e.g. 2026-11-30 14:30."},
    )
    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    discovered_by = forms.ModelChoiceField(queryset=User.objects.none(), label="Discovered by")
    description = forms.CharField(
        label="What is missing and how it was found",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )

    def __init__(self, *args: Any, locations: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["discovered_by"].queryset = staff


class Form106Form(forms.Form):
    reference = forms.CharField(label="DEA Form 106 confirmation number", max_length=60)


class DestructionForm(forms.Form):
    reason = forms.ChoiceField(choices=DestructionReason.choices)
    method = forms.CharField(
        max_length=200, help_text="e.g. chemical digestion (Rx Destroyer), then waste bin"
    )
    destroyed_on = forms.DateField(
        label="Destroyed on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date, e.g. 2026-11-30."},
    )
    first_witness = forms.ModelChoiceField(queryset=User.objects.none(), label="First witness")
    first_password = forms.CharField(
        label="First witness's password", widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
    second_witness = forms.ModelChoiceField(queryset=User.objects.none(), label="Second witness")
    second_password = forms.CharField(
        label="Second witness's password", widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)

    def __init__(self, *args: Any, lots: list[Lot], witnesses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lots = lots
        self.fields["first_witness"].queryset = witnesses
        self.fields["second_witness"].queryset = witnesses
        for lot in lots:
            self.fields[f"units_{lot.pk}"] = forms.DecimalField(
                label=f"Quantity destroyed ({lot.product.unit})",
                required=False,
                min_value=0,
                max_digits=10,
                decimal_places=2,
                error_messages=AMOUNT,
            )
            self.fields[f"containers_{lot.pk}"] = forms.IntegerField(
                label="Full containers", required=False, min_value=0, error_messages=WHOLE
            )

    def rows(self) -> list[tuple[Lot, forms.BoundField, forms.BoundField]]:
        return [(lot, self[f"units_{lot.pk}"], self[f"containers_{lot.pk}"]) for lot in self.lots]


class ReportForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    report = forms.ChoiceField(choices=[(code, r.title) for code, r in REPORTS.items()])
    # Between 1900 and 2100 (ClinicDateField): a period ending 9999-12-31 would overflow.
    start = ClinicDateField(
        label="From", error_messages={"invalid": "Enter a date, e.g. 2026-11-01."}
    )
    end = ClinicDateField(label="To", error_messages={"invalid": "Enter a date, e.g. 2026-11-30."})
    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("csv", "CSV")], widget=forms.RadioSelect)

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end is before the start.")
            elif end - start > dt.timedelta(days=3 * 366):
                self.add_error("end", "Choose at most three years at a time.")
        return data
