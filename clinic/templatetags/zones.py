"""Times on a location's wall clock in templates (clinic/zones.py):

    {% load zones %}
    {{ appointment.start|at:location|time:"g:i A" }}{{ appointment.start|zone_of:location }}

`at` converts to the location's zone (the `date`/`time` filters keep it); `zone_of` gives
" PST" after a time at a location in another zone than the clinic's, else nothing."""

from __future__ import annotations

import datetime as dt

from django import template
from django.templatetags.tz import do_timezone

from clinic import clock, zones
from clinic.models import Location

register = template.Library()


@register.filter
def at(value: dt.datetime | None, location: Location | None) -> dt.datetime | str | None:
    if not isinstance(value, dt.datetime):
        return value
    return do_timezone(value, zones.zone_of(location))


@register.filter(name="zone_of")
def zone_suffix(value: dt.datetime | None, location: Location | None) -> str:
    abbreviation = zones.zone_abbreviation(value, location)
    return f" {abbreviation}" if abbreviation else ""


@register.simple_tag
def clock_of(location: Location | None) -> str:
    """Whose clock a page's times are on, when it is not the clinic's: "Pacific time
    (PST)" for a location in America/Los_Angeles; "" at a location on the clinic's clock."""
    abbreviation = zones.zone_abbreviation(clock.now(), location)
    if not abbreviation:
        return ""
    return f"{location.name} time, {location.time_zone} ({abbreviation})"
