"""The treatment gate (session-monitoring.md §1a): whether this patient may be treated in
this session at all, checked at check-in and again when the dose is recorded.

Each reason names what is wrong in the clinic's words. The first reasons (eligibility,
route, a newer absolute flag, a positive pregnancy test) have no override. What the gate
reads is loaded once (`treatment_facts`, a fixed number of queries) and shared by the
gate, the pregnancy panel, the new-flags notice, the allergies banner and the medicines
form of the session screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from clinic import clock
from clinic.choices import SexAtBirth
from clinic.models import Location, Patient
from clinic.selectors import clinic_settings
from intake.choices import Route
from intake.models import Decision, EligibilityDecision, Intake, ScreeningResult
from intake.screening import MEDICATION_KEYS
from sessions.models import (
    DoseRecord,
    PregnancyNotApplicable,
    PregnancyTest,
    TreatmentPlan,
    TreatmentSession,
)
from sessions.models.checkin import PregnancyTestResult
from sessions.models.doses import Drug
from sessions.models.safety import PregnancyTestPolicy
from sessions.selectors.location import session_location
from sessions.selectors.rems import rems_missing

PREGNANCY_TEST_VALID_DAYS = 7
PREGNANCY_AGE_RANGE = (12, 55)

# The site's regulatory check (controlled-substances.md §1), not a clinical rule: no dose
# at a location whose DEA registration is missing or expired.
DEA_REGISTRATION = "DEA_REGISTRATION"

# Reasons known when the patient arrives: check-in refuses to open the session on these
# (a location without a valid DEA registration too: no patient sits in a chair there for a
# dose that cannot be given).
AT_CHECK_IN = frozenset(
    {
        "ELIGIBILITY_NOT_APPROVED",
        "ROUTE_NOT_ALLOWED",
        "SCREENING_ABSOLUTE",
        "PREGNANCY_POSITIVE",
        "REMS_MISSING",
        DEA_REGISTRATION,
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


@dataclass(frozen=True)
class TreatmentFacts:
    """Everything the gate and its panels read about the patient, read once."""

    session: TreatmentSession
    today: dt.date
    decision: EligibilityDecision | None
    screenings: list[ScreeningResult]  # the patient's, newest first
    intake_answers: dict[str, Any]
    pregnancy_tests: list[PregnancyTest]  # all of the patient's, newest first
    pregnancy_not_applicable: bool
    first_dose: bool  # the patient's first ever dose of this session's drug
    current_plan: TreatmentPlan | None
    location: Location | None  # where the session takes place (`session_location`)
    location_today: dt.date  # today at that location (its own time zone)

    @property
    def newer_screenings(self) -> list[ScreeningResult]:
        """Screenings stored after the latest decision, oldest first."""
        if self.decision is None:
            return []
        newer = [s for s in self.screenings if s.created_at > self.decision.signed_at]
        return list(reversed(newer))

    @property
    def medicines(self) -> dict[str, bool]:
        latest = self.screenings[0].answers if self.screenings else {}
        return {key: latest.get(key) is True for key in MEDICATION_KEYS}

    @property
    def allergies(self) -> list[dict[str, str]] | None:
        return allergies_of(self.intake_answers)


def allergies_of(answers: dict[str, Any]) -> list[dict[str, str]] | None:
    """The intake's allergy list; None when it was never answered."""
    if "allergies" not in answers:
        return None
    return [
        {"substance": str(a.get("substance", "")), "reaction": str(a.get("reaction", ""))}
        for a in answers.get("allergies") or []
        if isinstance(a, dict)
    ]


def intake_allergies(patient: Patient) -> list[dict[str, str]] | None:
    """The allergy list of the patient's intake (read with the patient when selected)."""
    try:
        answers = patient.intake.answers
    except Intake.DoesNotExist:
        answers = {}
    return allergies_of(answers)


def treatment_facts(session: TreatmentSession, *, now: dt.datetime | None = None) -> TreatmentFacts:
    """Read what the treatment gate needs (seven queries, whatever the history; an eighth for
    the session's location unless the session was read with it, see `session_location`)."""
    now = now or clock.now()
    today = timezone.localdate(now, clinic_settings().zone)
    patient_id = session.patient_id
    decision = (
        EligibilityDecision.objects.filter(patient_id=patient_id)
        .select_related("screening")
        .order_by("-signed_at", "-pk")
        .first()
    )
    intake = Intake.objects.filter(patient_id=patient_id).only("answers").first()
    drug = Drug.ESKETAMINE if session.route == Route.INTRANASAL_ESKETAMINE else Drug.KETAMINE
    location = session_location(session)
    return TreatmentFacts(
        session=session,
        today=today,
        decision=decision,
        screenings=list(
            ScreeningResult.objects.filter(intake__patient_id=patient_id).order_by(
                "-created_at", "-pk"
            )
        ),
        intake_answers=intake.answers if intake else {},
        pregnancy_tests=list(
            PregnancyTest.objects.filter(patient_id=patient_id)
            .select_related("recorded_by")
            .order_by("-tested_on", "-recorded_at", "-pk")
        ),
        pregnancy_not_applicable=PregnancyNotApplicable.objects.filter(
            patient_id=patient_id
        ).exists(),
        first_dose=not DoseRecord.objects.filter(
            session__patient_id=patient_id, drug=drug, session__opened_at__lt=session.opened_at
        )
        .exclude(session=session)
        .exists(),
        current_plan=TreatmentPlan.objects.filter(patient_id=patient_id)
        .order_by("-version")
        .first(),
        location=location,
        location_today=timezone.localdate(now, location.zone) if location else today,
    )


def pregnancy_requirement(
    facts: TreatmentFacts, *, checkin_answer: str | None, policy: str
) -> PregnancyRequirement:
    """Who must show a recent negative test before this dose (session-monitoring.md §1):
    female, intersex or unknown sex at birth, aged 12–55 or of unknown age, not recorded
    as "not applicable" by a clinician."""
    patient = facts.session.patient
    age = patient.age_on(facts.today)
    low, high = PREGNANCY_AGE_RANGE
    possible = patient.sex_at_birth != SexAtBirth.MALE and (age is None or low <= age <= high)
    if not possible or facts.pregnancy_not_applicable:
        return PregnancyRequirement(False, False, None, None, "")
    # A positive test stops treatment whatever its age, until a later negative test (or a
    # clinician's "not applicable"); a negative one counts for 7 days.
    newest = facts.pregnancy_tests[0] if facts.pregnancy_tests else None
    positive = newest if newest and newest.result == PregnancyTestResult.POSITIVE else None
    since = facts.today - dt.timedelta(days=PREGNANCY_TEST_VALID_DAYS)
    negative = (
        newest
        if newest and newest.result == PregnancyTestResult.NEGATIVE and newest.tested_on >= since
        else None
    )
    why = ""
    if policy == PregnancyTestPolicy.EVERY_DOSE:
        why = "the clinic tests before every dose"
    elif facts.first_dose:
        why = "this is the first dose"
    elif checkin_answer == "unsure":
        why = "pregnancy is unsure today"
    elif facts.intake_answers.get("pregnancy_status") == "unsure":
        why = "the intake answer was “unsure”"
    return PregnancyRequirement(True, bool(why), negative, positive, why)


def _eligibility_reasons(facts: TreatmentFacts) -> list[GateReason]:
    session, decision = facts.session, facts.decision
    reasons = []
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
        route_label = dict(Route.choices).get(session.route, session.route)
        reasons.append(
            GateReason(
                "ROUTE_NOT_ALLOWED", f"The eligibility decision does not allow {route_label}."
            )
        )
    if decision is not None:
        overridden = set(decision.overrides or {}) if decision.decision == "approved" else set()
        absolute = {
            flag["code"]: flag["reason"]
            for screening in facts.newer_screenings
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
    return reasons


def dea_reasons(facts: TreatmentFacts) -> list[GateReason]:
    """No dose at a location whose DEA registration is missing or expired (21 CFR 1301.12:
    each place where controlled substances are stored and given is registered). A
    registration is valid through its expiry date, by the location's own date."""
    if facts.location is None:
        return [
            GateReason(
                DEA_REGISTRATION,
                "Dosing is blocked: the session's location is not known, so its DEA "
                "registration cannot be checked.",
            )
        ]
    problem = facts.location.dea_problem(facts.location_today)
    return [GateReason(DEA_REGISTRATION, problem)] if problem else []


def treatment_gate(
    facts: TreatmentFacts,
    *,
    open_urgent_alert: bool,
    checkin_pregnancy: str | None = None,
    policy: str = PregnancyTestPolicy.FIRST_DOSE,
) -> list[GateReason]:
    """Every reason this session may not go on, in the order of session-monitoring §1a."""
    session = facts.session
    reasons = _eligibility_reasons(facts) + dea_reasons(facts)
    pregnancy = pregnancy_requirement(facts, checkin_answer=checkin_pregnancy, policy=policy)
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
    if session.route == Route.INTRANASAL_ESKETAMINE and (
        missing := rems_missing(session.plan, facts.location)
    ):
        reasons.append(
            GateReason("REMS_MISSING", "Esketamine needs " + " and ".join(missing) + ".")
        )
    current = facts.current_plan
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


def flags_since_decision(facts: TreatmentFacts) -> list[dict[str, str]]:
    """Flags of screenings stored after the latest decision that the screening it decided
    on did not have (e.g. an MAOI reported at check-in): the psychiatrist sees them before
    the dose. Absolute ones also stop the session (`treatment_gate`)."""
    if facts.decision is None:
        return []
    decided = set(facts.decision.screening.flag_codes)
    found: dict[str, dict[str, str]] = {}
    for screening in facts.newer_screenings:
        for flag in screening.flags:
            if flag["code"] not in decided and flag["severity"] in ("absolute", "relative"):
                found[flag["code"]] = flag
    return list(found.values())


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
