"""Demo intakes for `manage.py seed_demo`: every screening level, every stage of review.

Answers go through the real screening engine and scorer, so what the demo shows is what
the product computes. Idempotent: patients that already have an intake are left alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from clinic.choices import JourneyState, Role
from clinic.models import Patient, User
from intake.measures import score
from intake.models import (
    EligibilityDecision,
    EvaluationBloodPressure,
    Intake,
    Invitation,
    MeasureContext,
    MeasureResult,
    ScreeningResult,
    ScreeningTrigger,
    UrgentAlert,
)
from intake.questionnaire import CONSENT_VERSION, STEPS, screening_answers, steps_for
from intake.screening import screen

PHQ9_BY_SEVERITY = {
    "moderate": [2, 1, 2, 1, 1, 2, 1, 1, 0],
    "moderately_severe": [2, 2, 2, 2, 2, 2, 2, 1, 0],
    "severe": [3, 3, 2, 3, 2, 3, 2, 2, 0],
}


def _answers(patient: Patient, **overrides: Any) -> dict[str, Any]:
    phq9 = list(PHQ9_BY_SEVERITY[overrides.pop("phq9", "moderately_severe")])
    if "phq9_item9" in overrides:
        phq9[8] = overrides["phq9_item9"]
    answers: dict[str, Any] = {
        "legal_first_name": patient.legal_first_name,
        "legal_last_name": patient.legal_last_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex_at_birth": patient.sex_at_birth or "prefer_not_to_say",
        "phone": patient.phone,
        "email": patient.email,
        "address_line1": patient.address_line1,
        "city": patient.city,
        "region": patient.region,
        "postal_code": patient.postal_code,
        "emergency_contact_name": patient.emergency_contact_name,
        "emergency_contact_phone": patient.emergency_contact_phone,
        "emergency_contact_relationship": patient.emergency_contact_relationship,
        "reminder_channel": patient.reminder_channel,
        "primary_concern": "depression",
        "symptom_years": 7,
        "antidepressant_trials": 3,
        "psychotherapy_tried": True,
        "ect_tms_tried": False,
        "psychotic_disorder_dx": False,
        "psychotic_symptoms_12m": False,
        "family_psychosis": False,
        "bipolar_dx": "none",
        "mania_12m": False,
        "mood_stabilizer": False,
        "suicide_attempt_ever": False,
        "substance_use": "none",
        "ketamine_misuse": "never",
        "alcohol_drinks_per_week": 3,
        "hypertension_dx": False,
        "aneurysm_history": False,
        "avm_history": False,
        "ich_history": False,
        "had_heart_attack": False,
        "had_stroke": False,
        "coronary_disease": False,
        "heart_failure": False,
        "arrhythmia": False,
        "hypertensive_encephalopathy": False,
        "raised_icp": False,
        "glaucoma": False,
        "hyperthyroidism_untreated": False,
        "liver_disease": "none",
        "interstitial_cystitis": False,
        "sleep_apnea_untreated": False,
        "porphyria": False,
        "ketamine_allergy": False,
        "weight_kg": 72.0,
        "pregnancy_status": "not_applicable" if patient.sex_at_birth == "male" else "not_pregnant",
        "breastfeeding": False,
        "medication_list": "sertraline 150 mg, once a day\nbupropion XL 300 mg, once a day",
        "benzodiazepine": False,
        "lamotrigine": False,
        "maoi": False,
        "stimulant": False,
        "opioid": False,
        "has_escort": True,
    }
    answers.update(overrides)
    answers["phq9_item9"] = phq9[8]
    answers["measures"] = {
        "phq9": {**{f"q{n}": value for n, value in enumerate(phq9, start=1)}, "difficulty": 2},
        "gad7": {f"q{n}": value for n, value in enumerate([2, 2, 1, 2, 1, 1, 1], start=1)},
    }
    return answers


# last name → (answer overrides, evaluation BP or None, decision or None)
SUBMITTED: dict[str, tuple[dict[str, Any], tuple[int, int] | None, str | None]] = {
    # awaiting review: one per level
    "Chen": ({"phq9": "moderate"}, (126, 80), None),  # clear
    "Garcia": (
        {"hypertension_dx": True, "hypertension_controlled": False, "benzodiazepine": True},
        (148, 92),
        None,
    ),  # caution
    "Johnson": ({"aneurysm_history": True, "had_heart_attack": False}, None, None),
    "Brooks": ({"phq9": "severe", "phq9_item9": 2, "suicide_attempt_ever": True,
                "suicide_attempt_12m": False}, None, None),  # urgent
    # decided
    "Schmidt": ({"medication_list": "some tablets for sleep"}, (118, 76), "more_information"),
    "Adeyemi": ({"substance_use": "current", "ketamine_misuse": "within_12m"}, (132, 84),
                "declined"),
}  # fmt: skip

APPROVED_ROUTES = {
    "Okonkwo": ["iv", "intranasal_esketamine"],
    "Anderson": ["intranasal_esketamine"],
    "Patel": ["iv"],
    "Silva": ["iv", "im"],
    "Morgan": ["iv"],
    "Brennan": ["intranasal_esketamine"],
    "Nguyen": ["im", "iv"],
    "Dubois": ["oral"],
    "Reyes": ["iv"],
    "Walsh": ["oral", "iv"],
    "Kowalski": ["intranasal_esketamine"],
    "O'Connor": ["iv"],
    "Cohen": ["iv"],
    "Feldman": ["iv"],
}

IN_PROGRESS_STEPS = {
    "Rossi": ["about-you", "reasons", "mental-health"],
    "Martin": ["about-you"],
    "Mensah": ["about-you", "reasons", "mental-health", "alcohol-drugs", "medical"],
}


def seed_intake_demo() -> None:
    psychiatrist = User.objects.filter(staff_roles__role=Role.PSYCHIATRIST).order_by("pk").first()
    coordinator = User.objects.filter(staff_roles__role=Role.COORDINATOR).order_by("pk").first()
    nurse = User.objects.filter(staff_roles__role=Role.NURSE).order_by("pk").first()
    if psychiatrist is None or coordinator is None or nurse is None:
        return
    for patient in Patient.objects.exclude(intake__isnull=False).select_related("psychiatrist"):
        last = patient.legal_last_name
        signer = patient.psychiatrist or psychiatrist
        if patient.journey_state == JourneyState.INVITED:
            _invitation(patient, coordinator)
        elif last in IN_PROGRESS_STEPS:
            _in_progress(patient, IN_PROGRESS_STEPS[last])
        elif last in SUBMITTED:
            overrides, bp, decision = SUBMITTED[last]
            intake = _submitted(patient, _answers(patient, **overrides), bp, nurse)
            if decision:
                _decide(intake, decision, signer, [])
        elif last in APPROVED_ROUTES:
            intake = _submitted(patient, _answers(patient), (124, 78), nurse)
            _decide(intake, "approved", signer, APPROVED_ROUTES[last])


def _invitation(patient: Patient, coordinator: User) -> None:
    if patient.invitations.exists():
        return
    sent = patient.journey_state_since
    Invitation.objects.create(
        patient=patient,
        email=patient.email,
        created_by=coordinator,
        created_at=sent,
        expires_at=sent + dt.timedelta(days=7),
        last_sent_at=sent,
        send_count=1,
    )


def _in_progress(patient: Patient, steps: list[str]) -> None:
    full = _answers(patient)
    answered: dict[str, Any] = {}
    for step in STEPS:
        if step.slug in steps:
            for name in step.form_class.base_fields:
                if name in full:
                    answered[name] = full[name]
            answered.update({key: full[key] for key in step.form_class.derived_keys})
    Intake.objects.create(
        patient=patient,
        answers=answered,
        completed_steps=steps,
        started_at=patient.journey_state_since,
    )


def _submitted(
    patient: Patient, answers: dict[str, Any], bp: tuple[int, int] | None, nurse: User
) -> Intake:
    submitted_at = patient.journey_state_since - dt.timedelta(hours=2)
    if patient.journey_state != JourneyState.AWAITING_REVIEW:
        submitted_at = patient.created_at + dt.timedelta(days=2)
    user = patient.user or nurse
    intake = Intake.objects.create(
        patient=patient,
        status="submitted",
        answers=answers,
        completed_steps=[step.slug for step in steps_for(answers)],
        started_at=submitted_at - dt.timedelta(days=1),
        submitted_at=submitted_at,
        submitted_by=user,
        entered_by_staff=None if patient.user else nurse,
        consent_name=patient.full_name,
        consent_signed_at=submitted_at,
        consent_ip="192.0.2.10",
        consent_version=CONSENT_VERSION,
    )
    for code, items in answers["measures"].items():
        result = score(code, items)
        MeasureResult.objects.create(
            patient=patient,
            instrument=code,
            items=items,
            total=result.total,
            band=result.band,
            flags=list(result.flags),
            context=MeasureContext.INTAKE,
            taken_at=submitted_at,
            entered_by=user,
        )
    _store_screening(intake, submitted_at, ScreeningTrigger.SUBMISSION, user)
    if bp is not None:
        measured = submitted_at + dt.timedelta(hours=20)
        EvaluationBloodPressure.objects.create(
            intake=intake,
            systolic=bp[0],
            diastolic=bp[1],
            measured_at=measured,
            recorded_by=nurse,
        )
        intake.answers = {
            **answers,
            "screening_bp_systolic": bp[0],
            "screening_bp_diastolic": bp[1],
        }
        intake.save(update_fields=["answers"])
        _store_screening(intake, measured, ScreeningTrigger.EVALUATION_BP, nurse)
    return intake


def _store_screening(intake: Intake, at: dt.datetime, trigger: str, by: User) -> None:
    answers = screening_answers(intake.answers)
    result = screen(answers, today=timezone.localtime(at).date())
    ScreeningResult.objects.create(
        intake=intake,
        answers=answers,
        level=result.level,
        flags=[{"code": f.code, "severity": f.severity, "reason": f.reason} for f in result.flags],
        ruleset_version=result.ruleset_version,
        trigger=trigger,
        urgent=any(f.severity == "urgent" for f in result.flags),
        created_at=at,
        created_by=by,
    )
    if any(f.code == "SUICIDAL_IDEATION" for f in result.flags):
        UrgentAlert.objects.get_or_create(
            patient=intake.patient,
            code="SUICIDAL_IDEATION",
            defaults={
                "reason": "PHQ-9 question 9 answered during the intake.",
                "source": "intake.phq9",
                "raised_at": at,
            },
        )


def _decide(intake: Intake, decision: str, signer: User, routes: list[str]) -> None:
    screening = intake.screenings.latest()
    signed_at = screening.created_at + dt.timedelta(hours=3)
    message = {
        "more_information": "Please list the name and dose of every medicine you take, "
        "including anything for sleep.",
        "declined": "Thank you for completing your intake. Our psychiatrist has decided "
        "that ketamine treatment is not the right choice for you at this time; "
        "we will call you to talk about other options.",
    }.get(decision, "")
    EligibilityDecision.objects.create(
        patient=intake.patient,
        intake=intake,
        screening=screening,
        decision=decision,
        allowed_routes=routes,
        staff_reason={
            "declined": "Current substance use disorder and ketamine misuse within 12 months; "
            "referred to addiction services.",
        }.get(decision, ""),
        patient_message=message,
        reopened_steps=["medicines"] if decision == "more_information" else [],
        signed_by=signer,
        signed_at=signed_at,
    )
    if decision == "more_information":
        intake.status = "reopened"
        intake.reopened_steps = ["medicines"]
        intake.save(update_fields=["status", "reopened_steps"])
