"""Forms of treatment plans, series proposals, booking, rescheduling, cancelling and
boosters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from clinic.choices import Role
from clinic.fields import ClinicDateField
from clinic.models import Location, User
from clinic.zones import zone_of
from intake.choices import Route
from sessions.models import BenefitDecision, DoseMode, Protocol, TreatmentPlan
from sessions.scheduling import BOOKING_HORIZON_DAYS

# What a new plan starts from for each route, and which dose fields the route uses: the
# server fills them in for a patient approved for one route only, the page's script when the
# psychiatrist picks a route (sessions/plan.js). The psychiatrist checks and may change all.
ROUTE_STARTS: dict[str, dict[str, Any]] = {
    Route.IV: {
        "protocol": "iv-standard",
        "dose_mode": DoseMode.MG_PER_KG,
        "dose_mg_per_kg": "0.5",
        "infusion_minutes": 40,
        "maintenance_interval_weeks": 4,
        "summary": "0.5 mg/kg over 40 minutes, maintenance every 4 weeks",
    },
    Route.IM: {
        "protocol": "im-standard",
        "dose_mode": DoseMode.MG_PER_KG,
        "maintenance_interval_weeks": 4,
        "summary": "a dose in mg/kg to write, maintenance every 4 weeks",
    },
    Route.INTRANASAL_ESKETAMINE: {
        "protocol": "esketamine-induction",
        "dose_mode": DoseMode.FIXED_MG,
        "esketamine_devices": 2,
        "maintenance_interval_weeks": 2,
        "summary": "56 mg by two devices (the label's first dose), maintenance every 2 weeks",
    },
    Route.ORAL: {
        "protocol": "oral-standard",
        "dose_mode": DoseMode.FIXED_MG,
        "maintenance_interval_weeks": 4,
        "summary": "a fixed dose in mg to write, maintenance every 4 weeks",
    },
}
ROUTE_FIELDS: dict[str, tuple[str, ...]] = {
    Route.IV: ("dose_mode", "dose_mg_per_kg", "dose_mg", "infusion_minutes"),
    Route.IM: ("dose_mode", "dose_mg_per_kg", "dose_mg"),
    Route.INTRANASAL_ESKETAMINE: ("esketamine_devices", "rems_patient_id", "rems_enrolled_on"),
    Route.ORAL: ("dose_mode", "dose_mg_per_kg", "dose_mg"),
}
ROUTE_SPECIFIC_FIELDS = tuple(sorted({name for names in ROUTE_FIELDS.values() for name in names}))


def route_start(route: str) -> dict[str, Any]:
    """A new plan's starting values for a route, with its usual protocol and series length."""
    start = ROUTE_STARTS[route]
    values = {key: value for key, value in start.items() if key not in ("summary", "protocol")}
    protocols = Protocol.objects.filter(route=route, is_active=True)
    protocol = (
        protocols.filter(code=start["protocol"]).values("pk", "default_sessions").first()
        or protocols.order_by("code").values("pk", "default_sessions").first()
    )
    if protocol:
        values["protocol"] = protocol["pk"]
        values["series_length"] = str(protocol["default_sessions"])
    return values


class ProtocolSelect(forms.Select):
    """Each protocol option names its route, so the page can offer only the chosen route's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.routes: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        route = self.routes.get(str(value))
        if route:
            option["attrs"]["data-route"] = route
        return option


class PlanForm(forms.Form):
    route = forms.ChoiceField(label="Route", widget=forms.RadioSelect)
    protocol = forms.ModelChoiceField(
        label="Protocol", queryset=Protocol.objects.filter(is_active=True), widget=ProtocolSelect
    )
    dose_mode = forms.ChoiceField(
        label="Dose order",
        choices=DoseMode.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=DoseMode.MG_PER_KG,
        help_text="Esketamine is always a fixed dose by devices.",
    )
    dose_mg_per_kg = forms.DecimalField(
        label="Dose (mg per kg)",
        required=False,
        max_digits=5,
        decimal_places=3,
        help_text=(
            "Usual IV dose 0.5 mg/kg; the mg are computed from each session's weight. The "
            "clinic's limits apply (by default at most 1.0 mg/kg and 150 mg; a warning above "
            "0.75 mg/kg)."
        ),
    )
    dose_mg = forms.DecimalField(
        label="Fixed dose (mg)", required=False, max_digits=6, decimal_places=1
    )
    infusion_minutes = forms.IntegerField(
        label="Infusion time (minutes, IV)",
        required=False,
        initial=40,
        help_text="40 to 120 minutes (APA consensus: 0.5 mg/kg over 40 minutes).",
    )
    esketamine_devices = forms.TypedChoiceField(
        label="Esketamine devices",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "—"),
            ("1", "1 device (28 mg)"),
            ("2", "2 devices (56 mg)"),
            ("3", "3 devices (84 mg)"),
        ],
        help_text=(
            "The label's first dose is 56 mg: a plan of 84 mg gives 56 mg at the first session "
            "unless a psychiatrist amends that session."
        ),
    )
    series_length = forms.TypedChoiceField(
        label="Sessions in the induction series",
        coerce=int,
        choices=[("6", "6"), ("7", "7"), ("8", "8")],
        initial="6",
    )
    maintenance_interval_weeks = forms.IntegerField(
        label="Maintenance interval (weeks)",
        initial=4,
        min_value=1,
        max_value=12,
        help_text="Esketamine: 1 or 2 weeks. Other routes: 2–12 weeks.",
    )
    rems_patient_id = forms.CharField(
        label="Patient REMS enrollment id (esketamine)", required=False, max_length=40
    )
    rems_enrolled_on = ClinicDateField(
        label="REMS enrollment date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    extra_measures = forms.MultipleChoiceField(
        label="Questionnaires before each session (PHQ-9 is always asked)",
        choices=[("gad7", "GAD-7 (anxiety)"), ("pcl5", "PCL-5 (PTSD symptoms)")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=["gad7"],
    )

    def __init__(
        self, *args: Any, allowed_routes: list[str], current: TreatmentPlan | None, **kwargs: Any
    ) -> None:
        # A new version starts from the current one (the view passes data=None on GET).
        if current is not None and not kwargs.get("data") and not (args and args[0]):
            kwargs["initial"] = {
                "route": current.route,
                "protocol": current.protocol_id,
                "dose_mode": current.dose_mode,
                "dose_mg_per_kg": current.dose_mg_per_kg,
                "dose_mg": current.dose_mg,
                "infusion_minutes": current.infusion_minutes,
                "esketamine_devices": current.esketamine_devices,
                "series_length": str(current.series_length),
                "maintenance_interval_weeks": current.maintenance_interval_weeks,
                "rems_patient_id": current.rems_patient_id,
                "rems_enrolled_on": current.rems_enrolled_on,
                "extra_measures": current.extra_measures,
            }
        if current is None and len(allowed_routes) == 1 and "initial" not in kwargs:
            # One approved route: start from its usual values (for esketamine its label:
            # 8 sessions, 56 mg by two devices, a fixed dose, every 2 weeks afterwards).
            kwargs["initial"] = route_start(allowed_routes[0])
        super().__init__(*args, **kwargs)
        labels = dict(Route.choices)
        self.fields["route"].choices = [(route, labels[route]) for route in allowed_routes]
        if len(allowed_routes) == 1:
            self.fields["route"].initial = allowed_routes[0]
        self.fields["protocol"].widget.routes = {
            str(pk): route for pk, route in Protocol.objects.values_list("pk", "route")
        }
        self.allowed_routes = allowed_routes

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("route") == Route.INTRANASAL_ESKETAMINE:
            cleaned["dose_mode"] = DoseMode.FIXED_MG  # always by devices
        elif cleaned.get("route") and not cleaned.get("dose_mode"):
            self.add_error("dose_mode", "Choose how the dose is ordered: mg per kg or fixed mg.")
        return cleaned

    def route_starts(self) -> dict[str, Any]:
        """For the page's script: each allowed route's starting values, its fields, and a
        sentence saying what was filled in."""
        labels = dict(Route.choices)
        return {
            "routes": {
                route: {
                    "values": route_start(route),
                    "fields": ROUTE_FIELDS[route],
                    "filled": f"Filled in the usual start for {labels[route]}: "
                    f"{ROUTE_STARTS[route]['summary']}. Check every field before saving.",
                }
                for route in self.allowed_routes
            },
            "specific": ROUTE_SPECIFIC_FIELDS,
        }


def _active_chairs(location: Any = None) -> Any:
    """The active chairs a booking may use: those of `location` when given (a booking
    stays at one location), else every active chair."""
    from clinic.models import Chair

    chairs = Chair.objects.filter(is_active=True)
    return chairs if location is None else chairs.filter(location=location)


def _nurses() -> Any:

    return User.objects.filter(is_active=True, staff_roles__role=Role.NURSE).distinct()


class ProposalRequestForm(forms.Form):
    first_date = ClinicDateField(
        label="First session on or after", widget=forms.DateInput(attrs={"type": "date"})
    )
    preferred_start = forms.TimeField(
        label="Preferred start time",
        initial="09:00",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    preferred_chair = forms.ModelChoiceField(
        label="Preferred chair", required=False, queryset=None, empty_label="Any chair"
    )
    nurse = forms.ModelChoiceField(
        label="Nurse", required=False, queryset=None, empty_label="Assign later"
    )

    def __init__(self, *args: Any, location: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        self.fields["preferred_chair"].queryset = _active_chairs(location)
        self.fields["nurse"].queryset = _nurses()

    def clean_first_date(self) -> Any:
        return booking_day(self.cleaned_data["first_date"], self.location)


def booking_day(day: dt.date, location: Location | None = None) -> dt.date:
    """A day a session can be booked on: from today at `location` (on its clock; the
    clinic's without one) up to the booking horizon (the service checks the clinic's
    rules again; this keeps absurd dates out of the calendar arithmetic)."""
    today = timezone.localdate(timezone.now(), zone_of(location))
    if day < today:
        raise forms.ValidationError("Choose today or a later date.")
    if day > today + dt.timedelta(days=BOOKING_HORIZON_DAYS):
        raise forms.ValidationError(f"Choose a date within {BOOKING_HORIZON_DAYS} days from today.")
    return day


class SessionRowForm(forms.Form):
    day = ClinicDateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Start", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    chair = forms.ModelChoiceField(
        label="Chair",
        queryset=None,
        error_messages={"invalid_choice": "Choose one of the chairs listed (at this location)."},
    )

    def __init__(self, *args: Any, location: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        self.fields["chair"].queryset = _active_chairs(location)

    def clean_day(self) -> dt.date:
        return booking_day(self.cleaned_data["day"], self.location)


class ProposalRowForm(SessionRowForm):
    """A proposed session; its note (why it was not placed as asked) travels with the row, so
    it is still shown when the booking comes back with an error."""

    note = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def notes(self) -> list[str]:
        value = self["note"].value() or ""
        return [line for line in value.splitlines() if line.strip()]


SessionRowFormSet = forms.formset_factory(
    ProposalRowForm, extra=0, min_num=1, validate_min=True, max_num=8, validate_max=True
)


class RescheduleForm(SessionRowForm):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=300)


class BoosterForm(SessionRowForm):
    nurse = forms.ModelChoiceField(
        label="Nurse", required=False, queryset=None, empty_label="Assign later"
    )
    # The open booster request the coordinator saw (it is booked once).
    answering = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nurse"].queryset = _nurses()


class BenefitReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="After the induction series",
        choices=BenefitDecision.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What the review found",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="e.g. PHQ-9 and the patient's own account; side effects; the plan.",
    )


class BoosterRequestForm(forms.Form):
    note = forms.CharField(
        label="Anything we should know? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- The session record (spec: session-monitoring.md) -----------------------------------
