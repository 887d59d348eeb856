"""The day and week calendars, and the staff member's private calendar feed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.access import permits, public
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.context import note_subject
from clinic.hours import opening_days
from clinic.selectors import clinic_settings, current_location
from clinic.zones import show_times_at
from sessions.calendars import staff_feed
from sessions.permissions import VIEW_SCHEDULE
from sessions.selectors import scheduling as selectors
from sessions.services.scheduling.feeds import (
    calendar_feed_create,
    calendar_feed_owner,
    calendar_feed_revoke,
)

# The calendars page through ten years either way; a date beyond is a 400, not a day.
CALENDAR_RANGE = dt.timedelta(days=3653)


def _day_param(request: HttpRequest) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return today
    if abs(day - today) > CALENDAR_RANGE:
        raise BadRequest("Choose a date within ten years of today.")
    return day


@permits(VIEW_SCHEDULE)
def calendar_day(request: HttpRequest) -> HttpResponse:
    """One column per chair with the day's sessions."""
    location = current_location(request.user)
    show_times_at(location)  # its day, its sessions' times: on its clock
    day = _day_param(request)
    note_subject(patient_id=None, object_type="calendar.day", object_id=day.isoformat())
    columns = selectors.day_columns(request.user, day, location)
    opening = opening_days(location.pk if location else None, day, 1)[0]
    closure = opening.closure
    to_move = sum(
        appointment.status == "scheduled" for _, booked in columns for appointment in booked
    )
    return TemplateResponse(
        request,
        "sessions/calendar_day.html",
        {
            "day": day,
            "opening": opening,
            "closure": closure,
            "to_move": to_move if closure else 0,
            "columns": columns,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "week_start": day - dt.timedelta(days=day.weekday()),
            "picked_location": location,
        },
    )


@permits(VIEW_SCHEDULE)
def calendar_week(request: HttpRequest) -> HttpResponse:
    """Monday to Sunday, each day's sessions in order."""
    location = current_location(request.user)
    show_times_at(location)
    day = _day_param(request)
    monday = day - dt.timedelta(days=day.weekday())
    note_subject(patient_id=None, object_type="calendar.week", object_id=monday.isoformat())
    openings = opening_days(location.pk if location else None, monday, 7)
    days = selectors.week_days(request.user, monday, location)
    return TemplateResponse(
        request,
        "sessions/calendar_week.html",
        {
            "monday": monday,
            "picked_location": location,
            "days": [
                (day, booked, opening)
                for (day, booked), opening in zip(days, openings, strict=True)
            ],
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
        },
    )


@permits(VIEW_SCHEDULE)
@require_http_methods(["GET", "POST"])
def calendar_subscribe(request: HttpRequest) -> HttpResponse:
    """Create (or replace) and revoke the private feed address for a calendar app."""
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_feed_revoke(actor=request.user)
            messages.success(request, "The feed address no longer works.")
            return redirect("calendar_subscribe")
        token = calendar_feed_create(actor=request.user)
        new_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    return TemplateResponse(
        request,
        "sessions/calendar_subscribe.html",
        {"new_url": new_url, "active": selectors.active_feed(request.user)},
    )


@public
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: sessions the token's owner may see, as initials and times."""
    owner = calendar_feed_owner(token)
    if owner is None:
        raise Http404("Unknown or revoked feed.")
    body = staff_feed(selectors.feed_appointments(owner), clinic_settings())
    audit_record(action=AuditAction.EXPORT, user=owner, object_type="calendar.feed")
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
