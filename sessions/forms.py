"""Forms of the sessions app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.choices import Role, Route
from clinic.fields import ClinicDateField
from clinic.models import User
from clinic.selectors import clinic_settings
from intake.instruments import ASQ_ACUTE_QUESTION, ASQ_QUESTIONNAIRE, QUESTIONNAIRES
from intake.measures import PHQ9
from sessions import monitoring
from sessions.models import BenefitDecision, DoseMode, Protocol, TreatmentPlan
from sessions.models.records import AdverseEventType, InfusionAction, Severity
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


def _active_chairs() -> Any:
    from clinic.models import Chair

    return Chair.objects.filter(is_active=True)


def _nurses() -> Any:
    from clinic.choices import Role
    from clinic.models import User

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_chair"].queryset = _active_chairs()
        self.fields["nurse"].queryset = _nurses()

    def clean_first_date(self) -> Any:
        return booking_day(self.cleaned_data["first_date"])


def booking_day(day: dt.date) -> dt.date:
    """A day a session can be booked on: from today up to the booking horizon (the
    service checks the clinic's rules again; this keeps absurd dates out of the
    calendar arithmetic)."""
    today = timezone.localdate(timezone.now(), clinic_settings().zone)
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
    chair = forms.ModelChoiceField(label="Chair", queryset=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _active_chairs()

    def clean_day(self) -> dt.date:
        return booking_day(self.cleaned_data["day"])


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


def _clinic_now() -> dt.datetime:
    return timezone.localtime(timezone.now(), clinic_settings().zone)


class ClinicTimeField(forms.TimeField):
    """A time of day today, in the clinic's zone ("14:05"); blank means "now"."""

    widget = forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": 60})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Leave blank for now.")
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        moment = super().clean(value)
        if moment is None:
            return None
        now = _clinic_now()
        value = now.replace(hour=moment.hour, minute=moment.minute, second=0, microsecond=0)
        # Charted just after midnight for a reading taken before it: that was yesterday.
        if value > now + dt.timedelta(hours=1):
            value -= dt.timedelta(days=1)
        return value


def _numeric(field: forms.Field) -> forms.Field:
    field.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
    return field


MOAAS_CHOICES = [
    ("", "—"),
    (5, "5 · responds readily to name"),
    (4, "4 · lethargic response to name"),
    (3, "3 · responds only to loud voice"),
    (2, "2 · responds only to shaking"),
    (1, "1 · responds only to pain"),
    (0, "0 · no response"),
]
DISSOCIATION_CHOICES = [
    ("", "—"),
    (0, "0 · none"),
    (1, "1 · mild"),
    (2, "2 · moderate"),
    (3, "3 · marked"),
    (4, "4 · severe"),
]


class VitalsForm(forms.Form):
    taken_at = ClinicTimeField(label="Time taken")
    systolic = _numeric(forms.IntegerField(label="Systolic (mmHg)", required=False))
    diastolic = _numeric(forms.IntegerField(label="Diastolic (mmHg)", required=False))
    heart_rate = _numeric(forms.IntegerField(label="HR (bpm)", required=False))
    spo2 = _numeric(forms.IntegerField(label="SpO2 (%)", required=False))
    resp_rate = _numeric(forms.IntegerField(label="RR (/min)", required=False))
    temperature_c = forms.DecimalField(
        label="Temp. (°C)", required=False, max_digits=3, decimal_places=1
    )
    moaas = forms.TypedChoiceField(
        label="MOAA/S", choices=MOAAS_CHOICES, coerce=int, empty_value=None, required=False
    )
    dissociation = forms.TypedChoiceField(
        label="Dissociation (clinician 0–4)",
        choices=DISSOCIATION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    cadss6 = _numeric(forms.IntegerField(label="CADSS-6 total (0–24)", required=False))
    comment = forms.CharField(label="Comment", required=False, max_length=500)

    VITALS = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate", "temperature_c", "moaas")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            try:
                monitoring.validate_reading({key: data.get(key) for key in self.VITALS})
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    self.add_error(None if key == "__all__" else key, messages)
        return data

    def values(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in self.VITALS}


class WeightForm(forms.Form):
    weight_kg = forms.DecimalField(
        label="Weight today (kg)",
        max_digits=4,
        decimal_places=1,
        min_value=30,
        max_value=300,
        help_text="In kilograms (1 kg = 2.2 lb).",
    )
    weight_kg.widget.attrs.update(
        {"inputmode": "decimal", "autocomplete": "off", "data-pounds": "weight"}
    )
    confirmed = forms.BooleanField(
        label="Re-measured: this weight is right, in kilograms",
        required=False,
    )

    @property
    def needs_confirmation(self) -> bool:
        """The confirmation box is shown once a large weight change was refused."""
        return bool(self.is_bound and (self.errors.get("weight_kg") or self.data.get("confirmed")))


MEDICINE_CLASSES = (
    ("benzodiazepine", "Benzodiazepine (e.g. lorazepam, clonazepam)"),
    ("sedative_hypnotic", "Sleeping pill, not a benzodiazepine (e.g. zolpidem)"),
    ("lamotrigine", "Lamotrigine"),
    ("maoi", "MAO inhibitor (e.g. phenelzine, selegiline)"),
    ("stimulant", "Stimulant (e.g. methylphenidate, amphetamine)"),
    ("opioid", "Opioid"),
    ("theophylline", "Theophylline or aminophylline"),
    ("naltrexone", "Naltrexone"),
)


class MedicationChangesForm(forms.Form):
    """What changed since the last visit, and which of the medicines the screening rules
    read the patient takes today (ticked from the latest screening)."""

    medication_changes = forms.CharField(
        label="Medication changes since last visit",
        max_length=1000,
        help_text="Write “none” if nothing changed.",
    )

    def __init__(self, *args: Any, current: dict[str, bool] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = current or {}
        for key, label in MEDICINE_CLASSES:
            self.fields[key] = forms.BooleanField(
                label=label, required=False, initial=bool(current.get(key))
            )

    def medicines(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(key)) for key, _label in MEDICINE_CLASSES}


class PregnancyForm(forms.Form):
    pregnancy = forms.ChoiceField(
        label="Pregnancy status today",
        choices=[
            ("not_pregnant", "Not pregnant"),
            ("unsure", "Unsure (a test is needed before the dose)"),
            ("pregnant", "Pregnant (stops the session)"),
        ],
        widget=forms.RadioSelect,
    )


class PregnancyTestForm(forms.Form):
    tested_on = ClinicDateField(
        label="Test date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(
        label="Test", choices=[("urine", "Urine"), ("serum", "Serum")], widget=forms.RadioSelect
    )
    result = forms.ChoiceField(
        label="Result",
        choices=[("negative", "Negative"), ("positive", "Positive")],
        widget=forms.RadioSelect,
    )


class PregnancyNotApplicableForm(forms.Form):
    reason = forms.CharField(
        label="Why pregnancy is not possible",
        max_length=300,
        help_text="e.g. hysterectomy, menopause. No test is asked for after this.",
    )


class AsqForm(forms.Form):
    """The pre-session ASQ (NIMH Ask Suicide-Screening Questions)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questions = [*ASQ_QUESTIONNAIRE.items, ASQ_ACUTE_QUESTION]
        for number, text in enumerate(questions, start=1):
            self.fields[f"q{number}"] = forms.TypedChoiceField(
                label=f"{number}. {text}",
                choices=[(1, "Yes"), (0, "No")],
                coerce=int,
                widget=forms.RadioSelect,
                required=number < 5,
                empty_value=None,
                help_text="Ask only after a yes to 1–4." if number == 5 else "",
                error_messages={"required": "Choose an answer."},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        screen = [data.get(f"q{n}") for n in range(1, 5)]
        if any(answer == 1 for answer in screen) and data.get("q5") is None:
            self.add_error("q5", "After a yes, ask question 5 (right now?).")
        return data

    def items(self) -> dict[str, int]:
        return {
            key: value
            for key, value in self.cleaned_data.items()
            if key.startswith("q") and value is not None
        }


class Phq9Form(forms.Form):
    """The pre-session PHQ-9, item by item in the official wording."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questionnaire = QUESTIONNAIRES[PHQ9]
        choices = list(enumerate(questionnaire.answers))
        for number, text in enumerate(questionnaire.items, start=1):
            self.fields[f"q{number}"] = forms.TypedChoiceField(
                label=f"{number}. {text}",
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose an answer."},
            )

    def items(self) -> dict[str, int]:
        return {key: value for key, value in self.cleaned_data.items() if key.startswith("q")}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class OrderAmendForm(forms.Form):
    mg_per_kg = forms.DecimalField(
        label="New dose (mg/kg)", required=False, max_digits=5, decimal_places=3
    )
    mg = forms.DecimalField(label="New dose (mg)", required=False, max_digits=6, decimal_places=1)
    devices = forms.TypedChoiceField(
        label="Devices",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), (1, "1 (28 mg)"), (2, "2 (56 mg)"), (3, "3 (84 mg)")],
    )
    reason = forms.CharField(
        label="Reason for the amendment", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


def _witnesses(actor: User) -> Any:
    return (
        User.objects.filter(is_active=True, staff_roles__role__in=[Role.NURSE, Role.PSYCHIATRIST])
        .exclude(pk=actor.pk)
        .distinct()
        .order_by("last_name", "first_name")
    )


class DoseForm(forms.Form):
    started_at = ClinicTimeField(label="Started at")
    mg_per_kg = forms.DecimalField(
        label="Dose (mg/kg)", required=False, max_digits=5, decimal_places=3
    )
    mg = forms.DecimalField(label="Dose (mg)", required=False, max_digits=6, decimal_places=1)
    planned_minutes = _numeric(forms.IntegerField(label="Planned minutes", required=False))
    lot_number = forms.CharField(label="Lot number", max_length=40)
    lot_expiry = ClinicDateField(label="Lot expiry", widget=forms.DateInput(attrs={"type": "date"}))
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration (mg/mL)", required=False, max_digits=6, decimal_places=2
    )
    volume_drawn_ml = forms.DecimalField(
        label="Volume drawn up (mL)",
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text="What is drawn beyond the dose is waste and needs a witness.",
    )
    waste_witness = forms.ModelChoiceField(
        label="Waste witnessed by", queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, session: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["waste_witness"].queryset = _witnesses(actor)
        self.fields["waste_witness"].label_from_instance = lambda user: user.display_name
        plan = session.plan
        route = session.route
        if route == monitoring.ESKETAMINE:
            del self.fields["mg_per_kg"], self.fields["mg"], self.fields["planned_minutes"]
            del self.fields["concentration_mg_per_ml"], self.fields["volume_drawn_ml"]
            del self.fields["waste_witness"]
            self.fields["started_at"].label = "First device at"
        elif plan.dose_mode == DoseMode.MG_PER_KG:
            del self.fields["mg"]
            self.fields["mg_per_kg"].initial = session.amended_mg_per_kg or plan.dose_mg_per_kg
            self.fields["mg_per_kg"].required = True
        else:
            del self.fields["mg_per_kg"]
            self.fields["mg"].initial = session.amended_mg or plan.dose_mg
            self.fields["mg"].required = True
        if route == "iv":
            self.fields["planned_minutes"].initial = plan.infusion_minutes
            self.fields["planned_minutes"].required = True
            self.fields["started_at"].label = "Infusion started at"
        elif "planned_minutes" in self.fields:
            del self.fields["planned_minutes"]
            self.fields["started_at"].label = "Injection given at" if route == "im" else "Taken at"


class TimeOnlyForm(forms.Form):
    at = ClinicTimeField(label="Time")


class InfusionStopForm(forms.Form):
    at = ClinicTimeField(label="Stopped at")
    volume_given_ml = forms.DecimalField(
        label="Volume actually given (mL)", max_digits=6, decimal_places=2, min_value=0
    )
    waste_witness = forms.ModelChoiceField(
        label="Waste witnessed by", queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["waste_witness"].queryset = _witnesses(actor)
        self.fields["waste_witness"].label_from_instance = lambda user: user.display_name


class PauseForm(forms.Form):
    at = ClinicTimeField(label="Paused at")
    reason = forms.CharField(label="Why paused", max_length=300)


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=AdverseEventType.choices)
    severity = forms.ChoiceField(label="Severity", choices=Severity.choices)
    onset_at = ClinicTimeField(label="Onset")
    description = forms.CharField(label="Description", required=False, max_length=300)
    medication = forms.CharField(label="Medication given", required=False, max_length=80)
    medication_dose = forms.CharField(label="Medication dose", required=False, max_length=40)
    medication_at = ClinicTimeField(label="Medication time", help_text="Blank: onset time.")
    infusion_action = forms.ChoiceField(
        label="Infusion", choices=InfusionAction.choices, required=False
    )
    outcome = forms.CharField(label="Outcome", required=False, max_length=300)


class AcknowledgeForm(forms.Form):
    alert = forms.IntegerField(widget=forms.HiddenInput)
    action_taken = forms.CharField(
        label="Action taken",
        max_length=500,
        help_text="e.g. “infusion paused, re-check in 5 min”, “clonidine 0.1 mg given”.",
    )


class DischargeForm(forms.Form):
    override_reason = forms.CharField(
        label="Psychiatrist's reason to discharge with unmet criteria",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    rems_ready_minutes = forms.IntegerField(
        label="Clinically ready to leave at (minutes after the first device)",
        required=False,
        min_value=0,
        max_value=600,
        help_text="Your judgement, had there been no 2-hour rule (REMS form).",
    )


class SignForm(forms.Form):
    """Signing says what is signed: the summary above the box, and the box itself."""

    NURSE = (
        "I have reviewed this session record: it is complete and accurate, and I sign it as "
        "the treating nurse."
    )
    COSIGN = (
        "I have reviewed this session record and co-sign it. It will be locked: later "
        "changes only as addenda."
    )
    attest = forms.BooleanField(
        label=NURSE,
        error_messages={"required": "Tick the box to confirm you reviewed the record."},
    )

    def __init__(self, *args: Any, cosign: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cosign:
            self.fields["attest"].label = self.COSIGN


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


class RemsSubmissionForm(forms.Form):
    submitted_on = ClinicDateField(
        label="Submitted on", widget=forms.DateInput(attrs={"type": "date"})
    )
    confirmation = forms.CharField(label="Confirmation number", required=False, max_length=60)
    missing_note = forms.CharField(
        label="Why it was submitted with fields missing",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed only when the page lists missing fields.",
    )
