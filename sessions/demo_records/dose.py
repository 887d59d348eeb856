"""The dose of a demo session: what the nurse types in the dose form, the ledger lot, the
waste witness, and an infusion stopped early."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from clinic import clock
from clinic.choices import Role
from clinic.models import User
from clinic.selectors import clinic_settings
from controlled.models import Lot
from controlled.selectors.stock import usable_lots
from sessions import monitoring
from sessions.demo_records.patient_response import demo_weight
from sessions.models import DoseRecord, TreatmentSession
from sessions.selectors.location import session_location
from sessions.services import ledger
from sessions.services.dose import DoseInput
from sessions.services.infusion import infusion_stop


def dose_input(session: TreatmentSession, witness: User | None) -> DoseInput:
    """What the nurse types in the dose form: the plan's order, the lot, what was drawn up
    (10 mg/mL to the next whole mL; the rest is witnessed waste)."""
    plan = session.plan
    opened = timezone.localdate(session.opened_at, clinic_settings().zone)
    ledger_lot = _ledger_lot(session)
    lot = DoseInput(
        started_at=None,
        lot_number=f"{'SPR' if session.route == monitoring.ESKETAMINE else 'KET'}"
        f"{24000 + session.appointment_id % 900}",
        lot_expiry=opened + dt.timedelta(days=300),
        planned_minutes=plan.infusion_minutes if plan.route == "iv" else None,
        lot=ledger_lot,
        witness_password=demo_password(),
    )
    if session.route == monitoring.ESKETAMINE:
        return lot
    if plan.dose_mg_per_kg:
        total = (demo_weight(session) * plan.dose_mg_per_kg).quantize(Decimal("0.1"))
        dose = {"mg_per_kg": plan.dose_mg_per_kg}
    else:
        total = plan.dose_mg
        dose = {"mg": plan.dose_mg}
    drawn_ml = Decimal(math.ceil(total / 10))
    return dataclasses.replace(
        lot,
        **dose,
        concentration_mg_per_ml=Decimal(10),
        volume_drawn_ml=drawn_ml,
        waste_witness=witness,
    )


def _ledger_lot(session: TreatmentSession) -> Lot | None:
    """The lot the nurse picks on the dose form where the location keeps the drug on the
    ledger (controlled.demo received it long before): the first usable one."""
    location = session_location(session)
    today = timezone.localdate(clock.now(), clinic_settings().zone)
    lots = usable_lots(location, ledger.session_drug(session), session.patient, today)
    return lots[0] if lots else None


def demo_password() -> str:
    from clinic.management.commands.seed_demo import STAFF_PASSWORD

    return STAFF_PASSWORD


def waste_witness(nurse: User, psychiatrist: User | None) -> User | None:
    """Waste is witnessed by another staff member, never the nurse who gave the dose."""
    return psychiatrist or (
        User.objects.filter(staff_roles__role=Role.NURSE)
        .exclude(pk=nurse.pk)
        .order_by("pk")
        .first()
    )


def stop_early(session: TreatmentSession, witness: User | None, nurse: User) -> object:
    """The infusion stopped 10 minutes early (a BP rise): what ran in at the ordered rate
    was given, the rest of what was drawn up is witnessed waste."""
    dose = DoseRecord.objects.get(session=session)
    planned = dose.planned_minutes or 40
    ran_in = dose.total_mg * (planned - 10) / planned
    volume = (ran_in / (dose.concentration_mg_per_ml or 10)).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN
    )
    return infusion_stop(
        session=session,
        at=None,
        volume_given_ml=volume,
        waste_witness=witness,
        witness_password=demo_password(),
        actor=nurse,
    )
