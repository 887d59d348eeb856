"""What a booking page says about its location before anything is typed:

    {% load booking %}{% booking_refusal location as refusal %}

`refusal` is why no session can be booked there today (its DEA registration is missing
or lapsed) and what the coordinator can do, or "" when sessions can be booked."""

from __future__ import annotations

from django import template
from django.utils import timezone

from clinic import clock
from clinic.models import Location
from sessions.selectors.registration import registration_refusal

register = template.Library()


@register.simple_tag
def booking_refusal(location: Location | None) -> str:
    if location is None:
        return ""
    today = timezone.localdate(clock.now(), location.zone)
    return registration_refusal(location, today) or ""
