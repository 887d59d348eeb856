"""Treatment plans: the psychiatrist writes versions; each is checked like a dose order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit import audit_record
from clinic.choices import AuditAction, JourneyState
from clinic.models import Patient, User
from clinic.policy import require
from clinic.selectors import clinic_settings
from clinic.services import patient_move_journey
from intake.choices import Route
from intake.selectors import latest_decision
from sessions import dosing
from sessions.models import DoseMode, Protocol, TreatmentPlan
from sessions.permissions import WRITE_PLAN
from sessions.scheduling import SERIES_SESSIONS, allowed_maintenance_weeks
from sessions.selectors.records import dose_limits, last_weight


@dataclass(frozen=True)
class PlanInput:
    route: str
    protocol: Protocol
    dose_mode: str
    dose_mg_per_kg: Decimal | None
    dose_mg: Decimal | None
    infusion_minutes: int | None
    esketamine_devices: int | None
    series_length: int
    maintenance_interval_weeks: int
    rems_patient_id: str = ""
    rems_enrolled_on: dt.date | None = None
    notes: str = ""
    extra_measures: tuple[str, ...] = ()


def plan_dose_problems(
    plan: PlanInput, *, weight_kg: Decimal | None, limits: dosing.DoseLimits
) -> dict[str, str]:
    """The dose order checked by `sessions.dosing` exactly as a dose would be (the same
    rules as the amendment and the dose record), each refusal next to its field."""
    esketamine = plan.route == Route.INTRANASAL_ESKETAMINE
    by_weight = not esketamine and plan.dose_mode == DoseMode.MG_PER_KG
    field = "esketamine_devices" if esketamine else ("dose_mg_per_kg" if by_weight else "dose_mg")
    given = {
        "esketamine_devices": plan.esketamine_devices,
        "dose_mg_per_kg": plan.dose_mg_per_kg,
        "dose_mg": plan.dose_mg,
    }[field]
    problems: dict[str, str] = {}
    if given is None or given <= 0:
        problems[field] = "Give the dose order."
    if plan.route == Route.IV and not plan.infusion_minutes:
        problems["infusion_minutes"] = "Give the infusion time in minutes."
    if problems:
        return problems
    check = dosing.order_check(
        route=plan.route,
        mg_per_kg=plan.dose_mg_per_kg if by_weight else None,
        mg=plan.dose_mg if not by_weight and not esketamine else None,
        devices=plan.esketamine_devices if esketamine else None,
        infusion_minutes=plan.infusion_minutes if plan.route == Route.IV else None,
        weight_kg=weight_kg,
        limits=limits,
    )
    for issue in check.refusals:
        target = "infusion_minutes" if issue.code.startswith("INFUSION") else field
        problems[target] = (
            f"{problems[target]} {issue.message}" if target in problems else (issue.message)
        )
    return problems


def plan_problems(
    plan: PlanInput,
    *,
    allowed_routes: list[str],
    clinic_rems: bool,
    weight_kg: Decimal | None = None,
    limits: dosing.DoseLimits | None = None,
) -> dict[str, str]:
    """Every reason the plan cannot be written, keyed by the field to show it next to."""
    problems: dict[str, str] = {}
    if plan.route not in allowed_routes:
        problems["route"] = "The eligibility decision does not allow this route."
    if plan.protocol.route != plan.route:
        problems["protocol"] = "This protocol is for another route."
    if plan.series_length not in SERIES_SESSIONS:
        problems["series_length"] = "A series has 6 to 8 sessions."
    if plan.maintenance_interval_weeks not in allowed_maintenance_weeks(plan.route):
        allowed = allowed_maintenance_weeks(plan.route)
        problems["maintenance_interval_weeks"] = (
            f"For this route the interval is {allowed[0]}–{allowed[-1]} weeks."
        )
    if plan.route == Route.INTRANASAL_ESKETAMINE:
        missing = []
        if not plan.rems_patient_id.strip() or plan.rems_enrolled_on is None:
            missing.append("the patient's REMS enrollment (id and date)")
        if not clinic_rems:
            missing.append("the clinic's REMS certification (admin → Clinic settings)")
        if missing:
            problems["rems_patient_id"] = "Esketamine needs " + " and ".join(missing) + "."
    problems.update(
        plan_dose_problems(plan, weight_kg=weight_kg, limits=limits or dosing.DoseLimits())
    )
    return problems


def plan_write(*, patient: Patient, plan: PlanInput, actor: User) -> TreatmentPlan:
    """Write the next version of the patient's plan (the first one moves them to "plan").

    Refused unless the latest eligibility decision approves; every problem of
    `plan_problems` comes back keyed by its field."""
    require(actor, WRITE_PLAN, message="Only psychiatrists write treatment plans.")
    decision = latest_decision(patient)
    if decision is None or decision.decision != "approved":
        raise ValidationError("The patient needs an approved eligibility decision first.")
    clinic = clinic_settings()
    problems = plan_problems(
        plan,
        allowed_routes=decision.allowed_routes,
        clinic_rems=bool(clinic.rems_certification_id and clinic.rems_certified_on),
        weight_kg=last_weight(patient.pk),
        limits=dose_limits(),
    )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        last = (
            TreatmentPlan.objects.select_for_update()
            .filter(patient=patient)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        written = TreatmentPlan.objects.create(
            patient=patient, version=(last or 0) + 1, written_by=actor, **_stored(plan)
        )
        if patient.journey_state == JourneyState.ELIGIBLE:
            patient_move_journey(patient=patient, to_state=JourneyState.PLAN, actor=actor)
        audit_record(action=AuditAction.CREATE, user=actor, patient=patient, obj=written)
    return written


def _stored(plan: PlanInput) -> dict[str, Any]:
    """The plan's columns: only the dose fields of its route and dose mode are kept
    (an esketamine order is stored as fixed mg, 28 mg per device)."""
    esketamine = plan.route == Route.INTRANASAL_ESKETAMINE
    fixed = esketamine or plan.dose_mode == DoseMode.FIXED_MG
    return {
        "route": plan.route,
        "protocol": plan.protocol,
        "dose_mode": DoseMode.FIXED_MG if esketamine else plan.dose_mode,
        "dose_mg_per_kg": None if fixed else plan.dose_mg_per_kg,
        "dose_mg": Decimal(28 * plan.esketamine_devices)
        if esketamine
        else (plan.dose_mg if plan.dose_mode == DoseMode.FIXED_MG else None),
        "infusion_minutes": plan.infusion_minutes if plan.route == Route.IV else None,
        "esketamine_devices": plan.esketamine_devices if esketamine else None,
        "series_length": plan.series_length,
        "maintenance_interval_weeks": plan.maintenance_interval_weeks,
        "rems_patient_id": plan.rems_patient_id.strip() if esketamine else "",
        "rems_enrolled_on": plan.rems_enrolled_on if esketamine else None,
        "notes": plan.notes.strip(),
        "extra_measures": [m for m in ("gad7", "pcl5") if m in plan.extra_measures],
    }
