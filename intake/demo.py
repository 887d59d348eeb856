"""Demo intakes for `manage.py seed_demo`: every screening level, every stage of review.

Each intake is made the way a patient (or a nurse on their behalf) makes one: every step's
answers go through that step's form and `intake_save_step`, then the consent,
the submission, the evaluation blood pressure and the psychiatrist's decision through
their services. So the demo holds what the product computes (measures, the ASQ band,
screenings, urgent alerts) and obeys its rules. Each service runs at its moment on the
demo's timeline (`clinic.clock.at`: started the day before submission, submitted days
ago, the blood pressure measured 20 hours later, decided 3 hours after that), so the
records carry their times as the services wrote them; afterwards the patient is put back
at their journey stage. Idempotent: patients that already have an intake are left alone.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from clinic import clock
from clinic import services as clinic_services
from clinic.choices import JourneyState, Role
from clinic.models import Patient, User
from intake.models import Intake, Invitation
from intake.questionnaire import ASQ_ATTEMPT_DETAIL_KEY, steps_for
from intake.services.eligibility import eligibility_decide
from intake.services.evaluation import evaluation_bp_record
from intake.services.steps import intake_open, intake_save_step, intake_sign_consent
from intake.services.submission import intake_submit

PHQ9_BY_SEVERITY = {
    "moderate": [2, 1, 2, 1, 1, 2, 1, 1, 0],
    "moderately_severe": [2, 2, 2, 2, 2, 2, 2, 1, 0],
    "severe": [3, 3, 2, 3, 2, 3, 2, 2, 0],
}
ASQ_NEGATIVE = {"q1": 0, "q2": 0, "q3": 0, "q4": 0}


# The answers of an adult the screening rules do not flag: no, none or never on the
# safety questions the patient answers (pregnancy aside: it depends on sex at birth) and
# an escort home. The demo's intakes start from them, and so do the screening
# tests (tests/intake/answers.py).
CLEAR_SAFETY_ANSWERS: dict[str, Any] = {
    "psychotic_disorder_dx": False,
    "psychotic_symptoms_current": False,
    "psychotic_symptoms_12m": False,
    "family_psychosis": False,
    "bipolar_dx": "none",
    "mania_12m": False,
    "suicide_attempt_ever": False,
    "substance_use": "none",
    "ketamine_misuse": "never",
    "hypertension_dx": False,
    "aneurysm_history": False,
    "avm_history": False,
    "ich_history": False,
    "coronary_disease": False,
    "heart_failure": False,
    "arrhythmia": False,
    "raised_icp": False,
    "liver_disease": "none",
    "ketamine_allergy": False,
    "benzodiazepine": False,
    "maoi": False,
    "stimulant": False,
    "opioid": False,
    "has_escort": True,
}


def _answers(patient: Patient, **overrides: Any) -> dict[str, Any]:
    """A complete set of stored answers for the patient, as the steps would store them."""
    phq9 = list(PHQ9_BY_SEVERITY[overrides.pop("phq9", "moderately_severe")])
    if "phq9_item9" in overrides:
        phq9[8] = overrides.pop("phq9_item9")
    asq = overrides.pop("asq", ASQ_NEGATIVE)
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
        **CLEAR_SAFETY_ANSWERS,
        "primary_concern": "depression",
        "symptom_years": 7,
        "antidepressant_trials": 3,
        "psychotherapy_tried": True,
        "ect_tms_tried": False,
        "alcohol_drinks_per_week": 3,
        "had_heart_attack": False,
        "had_stroke": False,
        "hypertensive_encephalopathy": False,
        "glaucoma": False,
        "hyperthyroidism_untreated": False,
        "interstitial_cystitis": False,
        "sleep_apnea_untreated": False,
        "porphyria": False,
        "weight_kg": 72.0,
        "pregnancy_status": "not_applicable" if patient.sex_at_birth == "male" else "not_pregnant",
        "breastfeeding": False,
        "medication_list": "sertraline 150 mg, once a day\nbupropion XL 300 mg, once a day",
        "sedative_hypnotic": False,
        "lamotrigine": False,
        "theophylline": False,
        "naltrexone": False,
        "allergies": [],
    }
    answers.update(overrides)
    answers["measures"] = {
        "phq9": {**{f"q{n}": value for n, value in enumerate(phq9, start=1)}, "difficulty": 2},
        "gad7": {f"q{n}": value for n, value in enumerate([2, 2, 1, 2, 1, 1, 1], start=1)},
        "asq": asq,
    }
    return answers


# last name → (answer overrides, evaluation BP or None, decision or None)
SUBMITTED: dict[str, tuple[dict[str, Any], tuple[int, int] | None, str | None]] = {
    # awaiting review: one per level
    "Chen": (
        {
            "phq9": "moderate",
            "allergies": [
                {"substance": "Penicillin", "reaction": "hives and facial swelling"},
                {"substance": "Latex", "reaction": "itchy rash"},
            ],
        },
        (126, 80),
        None,
    ),  # clear, with allergies
    "Garcia": (
        {
            "hypertension_dx": True,
            "hypertension_controlled": False,
            "benzodiazepine": True,
            "sedative_hypnotic": True,
            "medication_list": "sertraline 150 mg, once a day\nzolpidem 5 mg, at bedtime",
        },
        (148, 92),
        None,
    ),  # caution
    "Johnson": ({"aneurysm_history": True}, None, None),  # contraindicated
    "Brooks": (
        {
            "phq9": "severe",
            "phq9_item9": 2,
            "suicide_attempt_ever": True,
            "suicide_attempt_12m": False,
            # ASQ positive, not acute: wishes to be dead, an attempt years ago, no thoughts
            # of killing themself right now.
            "asq": {"q1": 1, "q2": 0, "q3": 0, "q4": 1, "q5": 0},
            ASQ_ATTEMPT_DETAIL_KEY: "Took too many sleeping tablets, spring 2019.",
        },
        None,
        None,
    ),  # urgent
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
    # Harbor Point's patients (seed_demo.HARBOR_PATIENTS)
    "Haddad": ["iv"],
    "Fischer": ["im"],
    "Bianchi": ["oral"],
    "Cohen": ["iv"],
    "Feldman": ["iv"],
}
APPROVED_OVERRIDES = {
    "Okonkwo": {"allergies": [{"substance": "Sulfa antibiotics", "reaction": "rash"}]},
}

IN_PROGRESS_STEPS = {
    "Rossi": ["about-you", "reasons", "mental-health"],
    "Martin": ["about-you"],
    "Mensah": ["about-you", "reasons", "mental-health", "alcohol-drugs", "medical"],
}

DECISION_TEXTS = {
    "more_information": {
        "patient_message": "Please list the name and dose of every medicine you take, "
        "including anything for sleep.",
        "reopen_steps": ["medicines"],
    },
    "declined": {
        "staff_reason": "Current substance use disorder and ketamine misuse within 12 months; "
        "referred to addiction services.",
        "patient_message": "Thank you for completing your intake. Our psychiatrist has decided "
        "that ketamine treatment is not the right choice for you at this time; we will call "
        "you to talk about other options.",
    },
}


@dataclass(frozen=True)
class Stage:
    """Where the seed put the patient on their journey (the services move them on)."""

    state: str
    since: dt.datetime
    reason: str


def seed_intake_demo() -> None:
    psychiatrist = User.objects.filter(staff_roles__role=Role.PSYCHIATRIST).order_by("pk").first()
    coordinator = User.objects.filter(staff_roles__role=Role.COORDINATOR).order_by("pk").first()
    nurse = User.objects.filter(staff_roles__role=Role.NURSE).order_by("pk").first()
    if psychiatrist is None or coordinator is None or nurse is None:
        return
    for patient in Patient.objects.exclude(intake__isnull=False).select_related(
        "psychiatrist", "user"
    ):
        last = patient.legal_last_name
        signer = patient.psychiatrist or psychiatrist
        stage = Stage(patient.journey_state, patient.journey_state_since, patient.journey_reason)
        author = patient.user or nurse  # a nurse enters it for a patient without a login
        if patient.journey_state == JourneyState.INVITED:
            _invitation(patient, coordinator)
            continue
        if last in IN_PROGRESS_STEPS:
            _fill(patient, _answers(patient), author, IN_PROGRESS_STEPS[last])
        elif last in SUBMITTED:
            overrides, bp, decision = SUBMITTED[last]
            submitted_at = _submitted_at(patient, stage)
            intake = _submit(patient, _answers(patient, **overrides), author, submitted_at)
            _review(intake, bp, decision, [], nurse, signer, submitted_at)
        elif last in APPROVED_ROUTES:
            answers = _answers(patient, **APPROVED_OVERRIDES.get(last, {}))
            submitted_at = _submitted_at(patient, stage)
            intake = _submit(patient, answers, author, submitted_at)
            routes = APPROVED_ROUTES[last]
            _review(intake, (124, 78), "approved", routes, nurse, signer, submitted_at)
        else:
            continue
        _back_to_stage(patient, stage)


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


def _fill(
    patient: Patient,
    answers: dict[str, Any],
    author: User,
    slugs: list[str],
    opened_at: dt.datetime | None = None,
    consent_at: dt.datetime | None = None,
) -> Intake:
    """Answer the named steps through their forms, as the intake pages do; the intake is
    opened at `opened_at` and the consent signed at `consent_at` when given."""
    with clock.at(opened_at) if opened_at else nullcontext():
        intake = intake_open(patient=patient, actor=author)
    for step in steps_for(answers):
        if step.slug not in slugs:
            continue
        if step.slug == "consent":
            with clock.at(consent_at) if consent_at else nullcontext():
                intake = intake_sign_consent(
                    intake=intake, signature=patient.full_name, actor=author
                )
            continue
        form = step.form_class(step.form_class.as_data(answers), answers=intake.answers)
        if not form.is_valid():
            raise ValueError(f"Demo answers for {step.slug} do not pass the form: {form.errors}")
        intake = intake_save_step(intake=intake, step=step, answers=form.to_answers(), actor=author)
    return intake


def _submit(
    patient: Patient, answers: dict[str, Any], author: User, submitted_at: dt.datetime
) -> Intake:
    """Opened the day before `submitted_at`, the steps answered at submission (an urgent
    alert of the ASQ step is raised then), the consent signed 5 minutes before it."""
    with clock.at(submitted_at):
        intake = _fill(
            patient,
            answers,
            author,
            [step.slug for step in steps_for(answers)],
            opened_at=submitted_at - dt.timedelta(days=1),
            consent_at=submitted_at - dt.timedelta(minutes=5),
        )
        intake_submit(intake=intake, actor=author)
    intake.refresh_from_db()
    return intake


def _review(
    intake: Intake,
    bp: tuple[int, int] | None,
    decision: str | None,
    routes: list[str],
    nurse: User,
    signer: User,
    submitted_at: dt.datetime,
) -> None:
    """The blood pressure measured 20 hours after submission, the decision signed 3 hours
    after the last screening (that measurement's, else the submission's)."""
    last_screening_at = submitted_at
    if bp is not None:
        last_screening_at = submitted_at + dt.timedelta(hours=20)
        with clock.at(last_screening_at):
            evaluation_bp_record(intake=intake, systolic=bp[0], diastolic=bp[1], actor=nurse)
    if decision is not None:
        texts = DECISION_TEXTS.get(decision, {})
        with clock.at(last_screening_at + dt.timedelta(hours=3)):
            eligibility_decide(
                intake=intake,
                actor=signer,
                decision=decision,
                routes=routes,
                staff_reason=texts.get("staff_reason", ""),
                patient_message=texts.get("patient_message", ""),
                reopen_steps=texts.get("reopen_steps", []),
            )


def _submitted_at(patient: Patient, stage: Stage) -> dt.datetime:
    if stage.state == JourneyState.AWAITING_REVIEW:
        return stage.since - dt.timedelta(hours=2)
    return patient.created_at + dt.timedelta(days=2)


def _back_to_stage(patient: Patient, stage: Stage) -> None:
    """The services moved the patient through review; put them where the seed placed them."""
    patient.refresh_from_db(fields=["journey_state", "journey_state_since", "journey_reason"])
    if (patient.journey_state, patient.journey_state_since) != (stage.state, stage.since):
        clinic_services.patient_move_journey(
            patient=patient,
            to_state=stage.state,
            actor=None,
            reason=stage.reason,
            at=stage.since,
        )
