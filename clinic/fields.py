"""Form fields every app uses, with the clinic's sanity bounds built in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

# No date a clinic types is before 1900 or after 2100. Outside, date arithmetic (a day
# after 9999-12-31, a time zone shift of 0001-01-01) overflows: a form error instead.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class ClinicDateField(forms.DateField):
    """A date from the browser's date picker, between 1900 and 2100."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("min", EARLIEST_DATE.isoformat())
        self.widget.attrs.setdefault("max", LATEST_DATE.isoformat())

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.",
                code="date_out_of_range",
            )
