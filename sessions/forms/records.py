"""Forms of the session record at the chair: check-in, vitals, dose, infusion, adverse
events, discharge, signing, addenda, entered in error and the REMS form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.choices import Role
from clinic.fields import ClinicDateField
from clinic.models import User
from controlled.models import Lot
from controlled.selectors.stock import location_stocks_drug, usable_lots
from intake.instruments import ASQ_ACUTE_QUESTION, ASQ_QUESTIONNAIRE, QUESTIONNAIRES
from intake.measures import PHQ9
from sessions import monitoring
from sessions.models import DoseMode
from sessions.models.adverse_events import AdverseEventType, InfusionAction, Severity
from sessions.selectors.location import session_location
from sessions.services import ledger


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


class EndWithoutDoseForm(forms.Form):
    """End the session at the chair without a dose: the reason is required."""

    reason = forms.CharField(
        label="Why the dose is not given",
        help_text="E.g. blood pressure still 172/104 on re-measure; the patient declined.",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Write why the session ends without a dose."},
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


WITNESS_ROLES = [Role.NURSE, Role.PSYCHIATRIST, Role.CONTROLLED_SUBSTANCE_MANAGER]


def _witnesses(actor: User) -> Any:
    return (
        User.objects.filter(is_active=True, staff_roles__role__in=WITNESS_ROLES)
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
    lot = forms.ModelChoiceField(
        label="Lot",
        queryset=Lot.objects.none(),
        empty_label="Choose the lot drawn from",
        help_text="Lots in stock at this location, soonest expiry first.",
        error_messages={
            "required": "Choose the lot drawn from.",
            "invalid_choice": "That lot can't be used now: choose another.",
        },
    )
    witness_password = forms.CharField(
        label="Witness's password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="The witness types their own password now.",
    )

    def __init__(self, *args: Any, session: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["waste_witness"].queryset = _witnesses(actor)
        self.fields["waste_witness"].label_from_instance = lambda user: user.display_name
        self.uses_ledger = _ledger_lot_field(self, session)
        plan = session.plan
        route = session.route
        if route == monitoring.ESKETAMINE:
            del self.fields["mg_per_kg"], self.fields["mg"], self.fields["planned_minutes"]
            del self.fields["concentration_mg_per_ml"], self.fields["volume_drawn_ml"]
            del self.fields["waste_witness"]
            self.fields.pop("witness_password", None)
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


def _lot_label(lot: Lot) -> str:
    unit = lot.product.unit
    units = f"{lot.balance_units.normalize():f} {unit if unit == 'mL' else unit + 's'}"
    named = " · named patient" if lot.named_patient_id else ""
    return (
        f"{lot.lot_number} · {lot.product.name} · exp {lot.expires_on:%b %d, %Y} · "
        f"{units} ({lot.balance_mg.normalize():f} mg){named}"
    )


def _ledger_lot_field(form: forms.Form, session: Any) -> bool:
    """Where the session's location keeps this drug on the ledger, the dose names a
    ledger lot (a select of the usable lots) instead of a typed lot number and expiry,
    and a waste witness confirms with their password (sessions.services.ledger)."""
    location = session_location(session)
    drug = ledger.session_drug(session)
    if not location_stocks_drug(location, drug):
        del form.fields["lot"], form.fields["witness_password"]
        return False
    today = timezone.localdate(timezone.now(), location.zone)
    lots = usable_lots(location, drug, session.patient, today)
    form.fields["lot"].queryset = (
        Lot.objects.filter(pk__in=[lot.pk for lot in lots])
        .select_related("product")
        .order_by("named_patient", "expires_on", "lot_number")
    )
    form.fields["lot"].label_from_instance = _lot_label
    if len(lots) == 1:
        form.fields["lot"].initial = lots[0].pk
    del form.fields["lot_number"], form.fields["lot_expiry"]
    return True


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
    witness_password = forms.CharField(
        label="Witness's password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="The witness types their own password now.",
    )

    def __init__(self, *args: Any, actor: User, ledger: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["waste_witness"].queryset = _witnesses(actor)
        self.fields["waste_witness"].label_from_instance = lambda user: user.display_name
        if not ledger:
            del self.fields["witness_password"]


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
