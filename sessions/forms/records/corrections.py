"""Corrections of a record: an addendum, and an entry marked entered in error."""

from __future__ import annotations

from typing import Any

from django import forms


class AddendumForm(forms.Form):
    corrects = forms.ChoiceField(
        label="Entry entered in error",
        required=False,
        help_text="Choose the entry this addendum corrects, if one was entered in error: it "
        "stays on the record, struck through, and no longer counts.",
    )
    reason = forms.CharField(
        label="Reason", max_length=300, help_text="e.g. late entry, correction"
    )
    text = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args: Any, entries: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["corrects"].choices = [
            ("", "None — a late entry or another correction"),
            *(entries or {}).items(),
        ]


class EnteredInErrorForm(forms.Form):
    """Mark one entry of the session record entered in error (before signing)."""

    entry = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(label="Why is this entry wrong?", max_length=300)
