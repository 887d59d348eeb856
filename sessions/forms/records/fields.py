"""Fields the session record's forms share: a time of day on the page's clock, and a
number typed at the chair."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone


class ClinicTimeField(forms.TimeField):
    """A time of day today on the page's clock ("14:05"); blank means "now". The session
    screen shows and reads its times on the session's location's clock
    (`clinic.zones.show_times_at`), so a nurse at a Los Angeles chair of a New York clinic
    types Los Angeles time; elsewhere the active zone is the clinic's."""

    widget = forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": 60})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Leave blank for now.")
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        moment = super().clean(value)
        if moment is None:
            return None
        now = timezone.localtime(timezone.now())  # the active zone: the session's location's
        value = now.replace(hour=moment.hour, minute=moment.minute, second=0, microsecond=0)
        # Charted just after midnight for a reading taken before it: that was yesterday.
        if value > now + dt.timedelta(hours=1):
            value -= dt.timedelta(days=1)
        return value


def numeric(field: forms.Field) -> forms.Field:
    field.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
    return field
