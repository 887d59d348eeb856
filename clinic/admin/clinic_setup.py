"""The clinic itself in the admin: settings (with the parts feature apps add), locations
(with their opening hours and chairs), opening hours and closures per location, chairs,
and the periodic tasks (read-only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from simple_history.admin import SimpleHistoryAdmin

from clinic.admin.site import (
    AdminRoleInline,
    AdminRoleModelAdmin,
    PerLocationAdmin,
    ReadOnlyAdmin,
    clinic_admin_site,
)
from clinic.choices import Weekday
from clinic.fields import ClinicDateField
from clinic.models import (
    Chair,
    ClinicSettings,
    Closure,
    Location,
    OpeningHours,
)


class ClinicSettingsPart(AdminRoleInline, admin.StackedInline):
    """A feature app's own per-clinic settings row (one-to-one with the clinic settings
    row), edited on the clinic settings page by the admin role; never deleted. Until the
    admin first saves it, the form shows the defaults and nothing is stored."""

    extra = 1
    max_num = 1
    can_delete = False


# Feature apps show their per-clinic settings on the clinic settings page: each adds a
# `ClinicSettingsPart` here from its admin module (sessions: the vital-sign limits).
CLINIC_SETTINGS_PARTS: list[type[ClinicSettingsPart]] = []


class ClinicSettingsAdmin(AdminRoleModelAdmin, SimpleHistoryAdmin):
    fieldsets = [
        ("Clinic", {"fields": ["name", "time_zone", "phone", "email", "address", "paper_size"]}),
        (
            "Operations",
            {
                "fields": [
                    "nurse_capacity",
                    "invitation_valid_days",
                    "sms_quiet_start",
                    "sms_quiet_end",
                    "rems_certification_id",
                    "rems_certified_on",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a single row, created on first use

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[type[ClinicSettingsPart]]:
        return list(CLINIC_SETTINGS_PARTS)


class OpeningHoursForm(forms.ModelForm):
    class Meta:
        model = OpeningHours
        fields = ["location", "weekday", "opens_at", "closes_at"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        location, weekday = cleaned.get("location"), cleaned.get("weekday")
        if location is None or weekday is None:
            return cleaned
        taken = OpeningHours.objects.filter(location=location, weekday=weekday)
        if taken.exclude(pk=self.instance.pk).exists():
            self.add_error(
                "weekday",
                f"{location.name} already has hours on {Weekday(weekday).label}s: change "
                "that row instead.",
            )
        return cleaned


class OpeningHoursAdmin(PerLocationAdmin):
    """Each location's weekly hours (also edited on the location's page); a weekday
    without a row is closed at that location (so deleting one closes it)."""

    form = OpeningHoursForm
    list_display = ["location", "weekday", "opens_at", "closes_at"]
    deletable = True


# Feature apps say what a closure would hit: each hook takes a date and the location
# closing (None: every location) and returns one line per session booked there that day
# (sessions registers its appointments in its AppConfig).
CLOSURE_CONFLICTS: list[Callable[[dt.date, Location | None], list[str]]] = []


class ClosureForm(forms.ModelForm):
    confirm = forms.BooleanField(
        label="Close anyway: the sessions listed stay booked and must be moved",
        required=False,
    )

    class Meta:
        model = Closure
        fields = ["location", "date", "reason"]
        field_classes = {"date": ClinicDateField}
        labels = {"location": "Location closed"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].empty_label = "Every location (clinic-wide)"

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day < timezone.localdate() and (self.instance.pk is None or day != self.instance.date):
            raise forms.ValidationError(
                f"{day:%A %-d %B %Y} is in the past: a closure is for a day still to come."
            )
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        day, location = cleaned.get("date"), cleaned.get("location")
        if day is None:
            return cleaned
        same_day = Closure.objects.filter(date=day, location=location).exclude(pk=self.instance.pk)
        if same_day.exists():
            where = location.name if location else "Every location"
            self.add_error("date", f"{where} is already closed on {day:%A %-d %B %Y}.")
        elif not cleaned.get("confirm"):
            booked = [line for hook in CLOSURE_CONFLICTS for line in hook(day, location)]
            if booked:
                where = f" at {location.name}" if location else ""
                self.add_error(
                    "confirm",
                    f"{len(booked)} session(s) are booked{where} on {day:%A %-d %B %Y}: "
                    + "; ".join(booked)
                    + ". Tick the box to close anyway, then move them.",
                )
        return cleaned


@admin.display(description="Where", ordering="location__name")
def closure_where(closure: Closure) -> str:
    return closure.location.name if closure.location_id else "Every location"


class ClosureAdmin(PerLocationAdmin):
    """Whole days closed: at one location, or with no location at every location."""

    form = ClosureForm
    list_display = ["date", closure_where, "reason"]
    date_hierarchy = "date"
    deletable = True


class ChairAdmin(PerLocationAdmin):
    list_display = ["name", "location", "room", "is_active", "display_order"]
    list_editable = ["is_active", "display_order"]


class LocationChairInline(AdminRoleInline, admin.TabularInline):
    """The location's chairs; a chair with sessions booked is switched off, not deleted."""

    model = Chair
    fields = ["name", "room", "is_active", "display_order"]
    extra = 0


class LocationOpeningHoursInline(AdminRoleInline, admin.TabularInline):
    """The location's weekly hours: one row per weekday it opens (deleting a row closes
    that weekday there)."""

    model = OpeningHours
    fields = ["weekday", "opens_at", "closes_at"]
    extra = 0
    max_num = 7
    verbose_name = "opening hours"
    deletable = True


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = [
            "name",
            "address",
            "phone",
            "time_zone",
            "is_active",
            "nurse_capacity",
            "dea_number",
            "dea_schedules",
            "dea_expires_on",
            "rems_certification_id",
            "rems_certified_on",
        ]
        field_classes = {"dea_expires_on": ClinicDateField, "rems_certified_on": ClinicDateField}

    def clean_dea_number(self) -> str:
        # Typed in lower case or with spaces, it is still the number on the certificate.
        return "".join(self.cleaned_data["dea_number"].split()).upper()


class LocationAdmin(AdminRoleModelAdmin, SimpleHistoryAdmin):
    """A clinic location: its DEA registration (checked by the treatment gate before every
    dose; the admin home page warns 60 days before it expires), its REMS certification,
    its weekly opening hours and its chairs."""

    form = LocationForm
    list_display = ["name", "dea_number", "dea_expires_on", "rems_certification_id", "is_active"]
    inlines = [LocationOpeningHoursInline, LocationChairInline]
    fieldsets = [
        ("Location", {"fields": ["name", "address", "phone", "time_zone", "is_active"]}),
        ("Operations", {"fields": ["nurse_capacity"]}),
        (
            "DEA registration",
            {"fields": ["dea_number", "dea_schedules", "dea_expires_on"]},
        ),
        (
            "REMS healthcare-setting certification",
            {"fields": ["rems_certification_id", "rems_certified_on"]},
        ),
    ]


class ClinicPeriodicTaskAdmin(ReadOnlyAdmin, PeriodicTaskAdmin):
    """The periodic tasks are declared in code (the core's in clinic/schedules.py, a feature's
    with `declare_periodic` from its AppConfig.ready()) and written after every
    migrate: the admin sees them, but cannot switch off the nightly audit check or schedule
    a task with arguments of their choosing."""

    actions: list[str] = []


clinic_admin_site.register(ClinicSettings, ClinicSettingsAdmin)
clinic_admin_site.register(Location, LocationAdmin)
clinic_admin_site.register(OpeningHours, OpeningHoursAdmin)
clinic_admin_site.register(Closure, ClosureAdmin)
clinic_admin_site.register(Chair, ChairAdmin)
clinic_admin_site.register(PeriodicTask, ClinicPeriodicTaskAdmin)
clinic_admin_site.register(IntervalSchedule, ReadOnlyAdmin)
clinic_admin_site.register(CrontabSchedule, ReadOnlyAdmin)
