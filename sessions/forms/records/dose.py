"""Dose forms: the order amended, the dose given (with its lot and waste witness), a
device's time, and the infusion paused, stopped or ended."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from clinic.fields import ClinicDateField
from clinic.models import User
from clinic.policy import holders
from controlled.models import Lot
from controlled.permissions import WITNESS
from controlled.selectors.stock import location_stocks_drug, usable_lots
from sessions import monitoring
from sessions.forms.records.fields import ClinicTimeField, numeric
from sessions.models import DoseMode
from sessions.selectors.location import session_location
from sessions.services import ledger


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
    """Whom the dose form offers as the waste witness: the active staff the policy lets
    witness (the service asks the same action of the one chosen), never the nurse."""
    return holders(WITNESS).exclude(pk=actor.pk).order_by("last_name", "first_name")


class DoseForm(forms.Form):
    started_at = ClinicTimeField(label="Started at")
    mg_per_kg = forms.DecimalField(
        label="Dose (mg/kg)", required=False, max_digits=5, decimal_places=3
    )
    mg = forms.DecimalField(label="Dose (mg)", required=False, max_digits=6, decimal_places=1)
    planned_minutes = numeric(forms.IntegerField(label="Planned minutes", required=False))
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
