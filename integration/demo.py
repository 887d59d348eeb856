"""Demo integration notes for `manage.py seed_demo`: a signed preparation note before each
treated patient's first session, signed integration notes linked to sessions, a group
session, shared practices for the portal, and one unsigned draft per therapist.

Notes go through the services (drafts, signing, hashes) with their dates set to when the
therapy happened. Idempotent: patients who already have notes are left alone.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from clinic.models import Patient
from integration import services
from integration.models import IntegrationNote
from sessions.models import TreatmentSession

THEMES = (
    "Felt held by something larger; grief about mother came up without panic.",
    "Saw the inner critic as a part trying to protect; some softening towards it.",
    "Body felt heavy then light; noticed how much tension is carried in the shoulders.",
    "Memories of childhood home; curiosity rather than fear.",
    "A sense of distance from the depressive story — 'it is weather, not me'.",
)
INTENTIONS = (
    "Reconnect with my brother; say yes to one invitation a week.",
    "Treat myself as I would treat a friend.",
    "Notice the first signs of the low mood and name them.",
)
PRACTICES = (
    "Ten minutes of breath practice each morning before the phone.",
    "Evening body scan (recording shared); journal three lines after.",
    "A 20-minute walk outside daily, phone left at home.",
)


def _write(
    patient: Patient,
    note_type: str,
    day: dt.date,
    sessions: list[TreatmentSession],
    rng: random.Random,
    *,
    sign: bool = True,
) -> IntegrationNote:
    therapist = patient.therapist
    note = services.note_start(patient=patient, note_type=note_type, actor=therapist)
    preparation = note_type == "preparation"
    services.note_save_draft(
        note=note,
        data=services.NoteInput(
            date=day,
            modality=rng.choice(("in_person", "in_person", "telehealth")),
            minutes=rng.choice((50, 55, 60)),
            session_ids=[s.pk for s in sessions],
            interventions=rng.sample(
                ["act", "ifs", "mindfulness", "somatic", "psychoeducation"], 2
            ),
            risk_suicidal_thoughts=False,
            risk_plan=False,
            share_intentions=rng.random() < 0.5,
            share_practices=True,
            texts={
                "experience": (
                    "Talked through what to expect, set and setting, and how to ask for help "
                    "during the session."
                    if preparation
                    else "Described the session as dreamlike and mostly pleasant; a brief "
                    "wave of anxiety at 20 minutes passed with breathing."
                ),
                "themes": "Hopes and fears about treatment." if preparation else rng.choice(THEMES),
                "emotional_state": rng.choice(
                    ("Calm, a little tired.", "Tearful but settled.", "Brighter than last week.")
                ),
                "protective_factors": "Partner, dog, work they value.",
                "intentions": rng.choice(INTENTIONS),
                "practices": rng.choice(PRACTICES),
                "plan": "Integration after the next session."
                if not preparation
                else "First session booked; integration within 48 hours.",
            },
        ),
        actor=therapist,
    )
    if sign:
        services.note_sign(note=note, actor=therapist)
    return note


def seed_integration_demo() -> None:
    today = timezone.localdate()
    patients = (
        Patient.objects.filter(therapist__isnull=False, treatment_sessions__isnull=False)
        .filter(notes__isnull=True)
        .select_related("therapist")
        .distinct()
        .order_by("pk")
    )
    for patient in patients:
        rng = random.Random(patient.pk)  # noqa: S311 -- demo text, not security
        sessions = list(
            TreatmentSession.objects.filter(patient=patient, discharged_at__isnull=False)
            .select_related("appointment")
            .order_by("opened_at")
        )
        if not sessions:
            continue
        first = timezone.localdate(sessions[0].opened_at)
        if first - dt.timedelta(days=3) >= today - dt.timedelta(days=365):
            _write(patient, "preparation", first - dt.timedelta(days=3), [], rng)
        for index, session in enumerate(sessions):
            if index % 2:
                continue
            day = min(timezone.localdate(session.opened_at) + dt.timedelta(days=1), today)
            if day < today - dt.timedelta(days=365):
                continue
            _write(patient, "integration", day, [session], rng)
    _drafts(today)
    _group(today)
    # The Outcomes page shows figures from the start (the beat task refreshes them).
    from integration.services import clinic_outcomes_refresh

    clinic_outcomes_refresh()


def _drafts(today: dt.date) -> None:
    """One unsigned draft per therapist, so the caseload shows it."""
    done: set[int] = set()
    for session in (
        TreatmentSession.objects.filter(
            discharged_at__isnull=False, patient__therapist__isnull=False
        )
        .select_related("patient__therapist")
        .order_by("-opened_at")
    ):
        therapist_id = session.patient.therapist_id
        if therapist_id in done:
            continue
        if IntegrationNote.objects.filter(author_id=therapist_id, status="draft").exists():
            done.add(therapist_id)
            continue
        rng = random.Random(session.pk)  # noqa: S311 -- demo text, not security
        day = min(timezone.localdate(session.opened_at), today)
        _write(session.patient, "integration", day, [session], rng, sign=False)
        done.add(therapist_id)


def _group(today: dt.date) -> None:
    if IntegrationNote.objects.filter(note_type="group_integration").exists():
        return
    for patient in Patient.objects.filter(therapist__isnull=False).select_related("therapist"):
        members = list(
            Patient.objects.filter(
                therapist=patient.therapist, treatment_sessions__isnull=False
            ).distinct()[:4]
        )
        if len(members) < 2:
            continue
        day = today - dt.timedelta(days=(today.weekday() - 2) % 7 or 7)  # last Wednesday
        group = services.group_session_create(
            date=day,
            modality="in_person",
            minutes=90,
            topic="Integration circle: meaning and next steps",
            patients=members,
            actor=patient.therapist,
        )
        for note in group.notes.all():
            services.note_save_draft(
                note=note,
                data=services.NoteInput(
                    date=day,
                    modality="in_person",
                    minutes=90,
                    risk_suicidal_thoughts=False,
                    interventions=["mindfulness", "meaning_making"],
                    share_practices=True,
                    texts={
                        "themes": "Shared what changed since the last session; listened well.",
                        "practices": "Write one sentence each evening about what mattered.",
                        "plan": "Next circle in two weeks.",
                    },
                ),
                actor=patient.therapist,
            )
            services.note_sign(note=note, actor=patient.therapist)
        return
