"""Forms of the sessions app."""

from __future__ import annotations

from typing import Any

from django import forms

from clinic.choices import Route
from sessions.models import DoseMode, Protocol, TreatmentPlan


class PlanForm(forms.Form):
    route = forms.ChoiceField(label="Route", widget=forms.RadioSelect)
    protocol = forms.ModelChoiceField(
        label="Protocol", queryset=Protocol.objects.filter(is_active=True)
    )
    dose_mode = forms.ChoiceField(
        label="Dose order",
        choices=DoseMode.choices,
        widget=forms.RadioSelect,
        initial=DoseMode.MG_PER_KG,
        help_text="Esketamine is always a fixed dose by devices.",
    )
    dose_mg_per_kg = forms.DecimalField(
        label="Dose (mg per kg)",
        required=False,
        max_digits=5,
        decimal_places=3,
        help_text="Usual IV dose 0.5 mg/kg; the mg are computed from each session's weight.",
    )
    dose_mg = forms.DecimalField(
        label="Fixed dose (mg)", required=False, max_digits=6, decimal_places=1
    )
    infusion_minutes = forms.IntegerField(
        label="Infusion time (minutes, IV)", required=False, initial=40
    )
    esketamine_devices = forms.TypedChoiceField(
        label="Esketamine devices",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), ("2", "2 devices (56 mg)"), ("3", "3 devices (84 mg)")],
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
    rems_enrolled_on = forms.DateField(
        label="REMS enrollment date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, allowed_routes: list[str], current: TreatmentPlan | None, **kwargs: Any
    ) -> None:
        if current is not None and not kwargs.get("data") and not args:
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
            }
        super().__init__(*args, **kwargs)
        labels = dict(Route.choices)
        self.fields["route"].choices = [(route, labels[route]) for route in allowed_routes]
        if len(allowed_routes) == 1:
            self.fields["route"].initial = allowed_routes[0]


def _active_chairs() -> Any:
    from clinic.models import Chair

    return Chair.objects.filter(is_active=True)


def _nurses() -> Any:
    from clinic.choices import Role
    from clinic.models import User

    return User.objects.filter(is_active=True, staff_roles__role=Role.NURSE).distinct()


class ProposalRequestForm(forms.Form):
    first_date = forms.DateField(
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_chair"].queryset = _active_chairs()
        self.fields["nurse"].queryset = _nurses()

    def clean_first_date(self) -> Any:
        from django.utils import timezone

        day = self.cleaned_data["first_date"]
        if day < timezone.localdate():
            raise forms.ValidationError("Choose today or a later date.")
        return day


class SessionRowForm(forms.Form):
    day = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Start", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    chair = forms.ModelChoiceField(label="Chair", queryset=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _active_chairs()


SessionRowFormSet = forms.formset_factory(
    SessionRowForm, extra=0, min_num=1, validate_min=True, max_num=8, validate_max=True
)


class RescheduleForm(SessionRowForm):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=300)


class BoosterForm(SessionRowForm):
    nurse = forms.ModelChoiceField(
        label="Nurse", required=False, queryset=None, empty_label="Assign later"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nurse"].queryset = _nurses()


class BoosterRequestForm(forms.Form):
    note = forms.CharField(
        label="Anything we should know? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
