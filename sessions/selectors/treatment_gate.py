"""The treatment gate (session-monitoring.md §1a): whether this patient may be treated in
this session at all, checked at check-in and again when the dose is recorded.

Each reason names what is wrong in the clinic's words. The first reasons (eligibility,
route, a newer absolute flag, a positive pregnancy test) have no override.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from clinic.choices import Route, SexAtBirth
from clinic.models import Patient
from clinic.selectors import clinic_settings
from intake.models import Decision, Intake, ScreeningResult
from intake.screening import MEDICATION_KEYS
from intake.selectors import latest_decision
from sessions.models import (
    DoseRecord,
    PregnancyNotApplicable,
    PregnancyTest,
    TreatmentPlan,
    TreatmentSession,
)
from sessions.models.records import PregnancyTestPolicy, PregnancyTestResult

PREGNANCY_TEST_VALID_DAYS = 7
PREGNANCY_AGE_RANGE = (12, 55)

# Reasons known when the patient arrives: check-in refuses to open the session on these.
AT_CHECK_IN = frozenset(
    {
        "ELIGIBILITY_NOT_APPROVED",
        "ROUTE_NOT_ALLOWED",
        "SCREENING_ABSOLUTE",
        "PREGNANCY_POSITIVE",
        "REMS_MISSING",
    }
)


@dataclass(frozen=True)
class GateReason:
    code: str
    message: str


@dataclass(frozen=True)
class PregnancyRequirement:
    applies: bool  # the patient could become pregnant
    test_required: bool
    valid_test: PregnancyTest | None  # negative, within 7 days
    positive_test: PregnancyTest | None  # positive, within 7 days
    why_required: str


def _latest_plan(session: TreatmentSession) -> TreatmentPlan | None:
    return TreatmentPlan.objects.filter(patient_id=session.patient_id).order_by("-version").first()


def pregnancy_requirement(
    session: TreatmentSession, *, today: dt.date, checkin_answer: str | None, policy: str
) -> PregnancyRequirement:
    """Who must show a recent negative test before this dose (session-monitoring.md §1)."""
    patient = session.patient
    age = patient.age_on(today)
    low, high = PREGNANCY_AGE_RANGE
    possible = patient.sex_at_birth != SexAtBirth.MALE and (age is None or low <= age <= high)
    if possible and PregnancyNotApplicable.objects.filter(patient=patient).exists():
        possible = False
    if not possible:
        return PregnancyRequirement(False, False, None, None, "")
    since = today - dt.timedelta(days=PREGNANCY_TEST_VALID_DAYS)
    recent = list(PregnancyTest.objects.filter(patient=patient, tested_on__gte=since))
    positive = next((t for t in recent if t.result == PregnancyTestResult.POSITIVE), None)
    negative = next((t for t in recent if t.result == PregnancyTestResult.NEGATIVE), None)
    first_dose = (
        not DoseRecord.objects.filter(session__patient=patient).exclude(session=session).exists()
    )
    intake = Intake.objects.filter(patient=patient).order_by("-pk").only("answers").first()
    intake_unsure = bool(intake and intake.answers.get("pregnancy_status") == "unsure")
    why = ""
    if policy == PregnancyTestPolicy.EVERY_DOSE:
        why = "the clinic tests before every dose"
    elif first_dose:
        why = "this is the first dose"
    elif checkin_answer == "unsure":
        why = "pregnancy is unsure today"
    elif intake_unsure:
        why = "the intake answer was “unsure”"
    return PregnancyRequirement(True, bool(why), negative, positive, why)


def treatment_gate(
    session: TreatmentSession,
    *,
    open_urgent_alert: bool,
    checkin_pregnancy: str | None = None,
    now: dt.datetime | None = None,
    policy: str = PregnancyTestPolicy.FIRST_DOSE,
) -> list[GateReason]:
    """Every reason this session may not go on, in the order of session-monitoring §1a."""
    now = now or timezone.now()
    clinic = clinic_settings()
    today = timezone.localdate(now, clinic.zone)
    patient = session.patient
    reasons: list[GateReason] = []
    route_label = dict(Route.choices).get(session.route, session.route)

    decision = latest_decision(patient)
    if decision is None or decision.decision != Decision.APPROVED:
        shown = decision.get_decision_display().lower() if decision else "missing"
        reasons.append(
            GateReason(
                "ELIGIBILITY_NOT_APPROVED",
                f"The latest eligibility decision is {shown}: no treatment until a "
                "psychiatrist approves again.",
            )
        )
    elif session.route not in decision.allowed_routes:
        reasons.append(
            GateReason(
                "ROUTE_NOT_ALLOWED",
                f"The eligibility decision does not allow {route_label}.",
            )
        )
    if decision is not None:
        newer = ScreeningResult.objects.filter(
            intake__patient=patient, created_at__gt=decision.signed_at
        ).order_by("created_at", "pk")
        overridden = set(decision.overrides or {}) if decision.decision == "approved" else set()
        absolute = {
            flag["code"]: flag["reason"]
            for screening in newer
            for flag in screening.flags
            if flag["severity"] == "absolute" and flag["code"] not in overridden
        }
        if absolute:
            reasons.append(
                GateReason(
                    "SCREENING_ABSOLUTE",
                    "A screening result newer than the eligibility decision has a "
                    "contraindication: " + " ".join(absolute.values()) + " A psychiatrist must "
                    "review it and sign a new decision.",
                )
            )

    pregnancy = pregnancy_requirement(
        session, today=today, checkin_answer=checkin_pregnancy, policy=policy
    )
    if pregnancy.positive_test is not None or checkin_pregnancy == "pregnant":
        reasons.append(
            GateReason(
                "PREGNANCY_POSITIVE",
                "Positive pregnancy test or pregnancy reported today: the session stops and "
                "the psychiatrist is told.",
            )
        )
    elif pregnancy.test_required and pregnancy.valid_test is None:
        reasons.append(
            GateReason(
                "PREGNANCY_TEST_NEEDED",
                f"A negative pregnancy test from the last {PREGNANCY_TEST_VALID_DAYS} days is "
                f"needed before this dose ({pregnancy.why_required}).",
            )
        )

    if open_urgent_alert:
        reasons.append(
            GateReason(
                "URGENT_ALERT_OPEN",
                "An urgent suicide-risk alert (PHQ-9 question 9 or the ASQ) is open: a "
                "psychiatrist must assess the patient and acknowledge it before the dose.",
            )
        )

    if session.route == Route.INTRANASAL_ESKETAMINE:
        plan = session.plan
        missing = []
        if not plan.rems_patient_id or plan.rems_enrolled_on is None:
            missing.append("the patient's REMS enrollment")
        if not clinic.rems_certification_id or clinic.rems_certified_on is None:
            missing.append("the clinic's REMS certification")
        if missing:
            reasons.append(
                GateReason("REMS_MISSING", "Esketamine needs " + " and ".join(missing) + ".")
            )

    current = _latest_plan(session)
    if (
        current is not None
        and current.pk != session.plan_id
        and current.dose_order_text != session.plan.dose_order_text
    ):
        reasons.append(
            GateReason(
                "PLAN_CHANGED",
                f"The treatment plan changed since booking: the order is now "
                f"{current.dose_order_text} (was {session.plan.dose_order_text}). Confirm the "
                "new order to go on.",
            )
        )
    return reasons


def current_medicines(patient_id: int) -> dict[str, bool]:
    """The medicines the screening rules read, as of the patient's latest screening."""
    latest = (
        ScreeningResult.objects.filter(intake__patient_id=patient_id)
        .order_by("-created_at", "-pk")
        .values_list("answers", flat=True)
        .first()
    )
    answers = latest or {}
    return {key: answers.get(key) is True for key in MEDICATION_KEYS}


def flags_since_decision(patient: Patient) -> list[dict[str, str]]:
    """Flags of screenings stored after the latest decision that the screening it decided
    on did not have (e.g. an MAOI reported at check-in): the psychiatrist sees them before
    the dose. Absolute ones also stop the session (`treatment_gate`)."""
    decision = latest_decision(patient)
    if decision is None:
        return []
    decided = set(decision.screening.flag_codes)
    newer = ScreeningResult.objects.filter(
        intake__patient=patient, created_at__gt=decision.signed_at
    ).order_by("created_at", "pk")
    found: dict[str, dict[str, str]] = {}
    for screening in newer:
        for flag in screening.flags:
            if flag["code"] not in decided and flag["severity"] in ("absolute", "relative"):
                found[flag["code"]] = flag
    return list(found.values())
