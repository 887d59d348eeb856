"""Fill a PostgreSQL database at clinic scale, fast: 10,000 patients, 100,000
appointments, 1,000,000 vital readings, 50,000 notes, 100,000 measure results.

Bulk inserts in batches (no ORM save per row, no history rows). Run after `migrate` and
`seed_demo` (the demo's staff and chairs are reused):

    DATABASE_URL=postgres://…/clinic_bench python benchmarks/seed_scale.py [--scale 1.0]

Appointments are laid out so no chair and no patient ever holds two overlapping ones, so
the PostgreSQL exclusion constraints stay on while seeding.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.choices import Role  # noqa: E402
from clinic.models import Chair, Location, Patient, User  # noqa: E402
from intake.models import MeasureResult  # noqa: E402
from integration.models import IntegrationNote  # noqa: E402
from sessions.models import (  # noqa: E402
    Appointment,
    DoseRecord,
    Protocol,
    TreatmentPlan,
    TreatmentSession,
    VitalReading,
)

BATCH = 5000
SLOTS_PER_DAY = 4
SLOT = dt.timedelta(hours=2, minutes=30)


def batched(model: type, rows: list) -> None:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)


def main(scale: float) -> None:
    rng = random.Random(2026)
    patients_n = int(10_000 * scale)
    started = time.perf_counter()
    # The demo logins the page benchmark signs in with ("nurse", "therapist", …).
    staff = {role: User.objects.filter(username=role).first() for role in Role.values}
    if not staff[Role.NURSE]:
        raise SystemExit("Run manage.py seed_demo first (it creates the staff).")
    # Chairs of their own, so the demo's bookings never collide with the bench's.
    chairs = list(Chair.objects.filter(name__startswith="Bench chair").order_by("pk"))
    location = Location.objects.order_by("pk").first()
    while len(chairs) < 20:
        chairs.append(
            Chair.objects.create(
                name=f"Bench chair {len(chairs) + 1}",
                display_order=100 + len(chairs),
                location=location,
            )
        )
    protocol = Protocol.objects.get(code="iv-standard")
    offset = Patient.objects.count()

    with transaction.atomic():
        patients = [
            Patient(
                mrn=f"BN-{offset + i:07d}",
                legal_first_name=f"Bench{i}",
                legal_last_name=f"Patient{i:05d}",
                date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 18000)),
                email=f"bench{i}@patients.example",
                journey_state="maintenance",
                psychiatrist=staff[Role.PSYCHIATRIST],
                therapist=staff[Role.THERAPIST],
            )
            for i in range(patients_n)
        ]
        batched(Patient, patients)
        patients = list(Patient.objects.filter(mrn__startswith="BN-").order_by("pk"))
        plans = [
            TreatmentPlan(
                patient=p, version=1, route="iv", protocol=protocol, dose_mode="mg_per_kg",
                dose_mg_per_kg=Decimal("0.5"), infusion_minutes=40, series_length=6,
                written_by=staff[Role.PSYCHIATRIST],
            )
            for p in patients
        ]  # fmt: skip
        batched(TreatmentPlan, plans)
    plan_of = dict(
        TreatmentPlan.objects.filter(patient__in=patients).values_list("patient_id", "pk")
    )
    print(f"patients and plans: {time.perf_counter() - started:.1f} s", flush=True)

    today = timezone.now().replace(hour=13, minute=0, second=0, microsecond=0)
    base = today - dt.timedelta(days=int(1200 * scale) + 30)
    appointments = []
    for k in range(10):  # 9 completed, the 10th booked ahead
        for index, patient in enumerate(patients):
            slot = k * patients_n + index
            chair = chairs[slot % len(chairs)]
            day, within = divmod(slot // len(chairs), SLOTS_PER_DAY)
            start = base + dt.timedelta(days=day) + within * SLOT
            if k == 9:  # booked ahead: the same layout, from tomorrow
                day, within = divmod(index // len(chairs), SLOTS_PER_DAY)
                start = today + dt.timedelta(days=1 + day) + within * SLOT
            appointments.append(
                Appointment(
                    patient_id=patient.pk, plan_id=plan_of[patient.pk],
                    kind="induction" if k < 6 else "booster",
                    series_number=k + 1 if k < 6 else None, chair=chair,
                    nurse=staff[Role.NURSE], start=start, end=start + dt.timedelta(hours=2),
                    status="completed" if k < 9 else "scheduled",
                    booked_by=staff[Role.COORDINATOR],
                )
            )  # fmt: skip
    with transaction.atomic():
        batched(Appointment, appointments)
    print(f"appointments: {len(appointments)} at {time.perf_counter() - started:.1f} s", flush=True)

    completed = list(
        Appointment.objects.filter(patient__in=patients, status="completed").values_list(
            "pk", "patient_id", "plan_id", "start"
        )
    )
    nurse, psychiatrist = staff[Role.NURSE], staff[Role.PSYCHIATRIST]
    with transaction.atomic():
        sessions = [
            TreatmentSession(
                appointment_id=pk, patient_id=patient_id, plan_id=plan_id, route="iv",
                supervising_psychiatrist=psychiatrist, opened_by=nurse, opened_at=start,
                oriented=True, steady_gait=True, nausea_controlled=True, escort_present=True,
                ready_to_leave_at=start + dt.timedelta(minutes=100),
                discharged_at=start + dt.timedelta(minutes=105), discharged_by=nurse,
                nurse_signed_at=start + dt.timedelta(minutes=110), nurse_signed_by=nurse,
                cosigned_at=start + dt.timedelta(hours=3), cosigned_by=psychiatrist,
            )
            for pk, patient_id, plan_id, start in completed
        ]  # fmt: skip
        # Co-signed rows lock their parts (model and trigger): write the parts first with
        # the sessions unsigned, then sign them in one UPDATE with the trigger's approval.
        for session in sessions:
            session.cosigned_at = None
            session.cosigned_by = None
        batched(TreatmentSession, sessions)
    session_rows = list(
        TreatmentSession.objects.filter(patient__in=patients).values_list("pk", "opened_at")
    )
    print(f"sessions: {len(session_rows)} at {time.perf_counter() - started:.1f} s", flush=True)

    with transaction.atomic():
        doses = [
            DoseRecord(
                session_id=pk, drug="ketamine", order_text="0.5 mg/kg over 40 minutes",
                weight_kg=Decimal("72.0"), mg_per_kg=Decimal("0.5"), total_mg=Decimal("36.0"),
                planned_minutes=40, started_at=opened + dt.timedelta(minutes=15),
                ended_at=opened + dt.timedelta(minutes=55), lot_number="KET-BENCH",
                lot_expiry=dt.date(2030, 1, 1), administered_by=nurse, recorded_by=nurse,
                recorded_at=opened + dt.timedelta(minutes=16),
            )
            for pk, opened in session_rows
        ]  # fmt: skip
        batched(DoseRecord, doses)
    readings_total = 0
    chunk: list[VitalReading] = []
    with transaction.atomic():
        # Eleven readings a session, twelve in every ninth (a longer observation):
        # 1,000,000 readings over 90,000 sessions.
        for index, (pk, opened) in enumerate(session_rows):
            for n in range(12 if index % 9 == 0 else 11):
                at = opened + dt.timedelta(minutes=10 + 15 * n)
                chunk.append(
                    VitalReading(
                        session_id=pk, phase="predose" if n == 0 else "monitoring", taken_at=at,
                        systolic=120 + rng.randint(-8, 22), diastolic=78 + rng.randint(-5, 10),
                        heart_rate=72 + rng.randint(-6, 14), spo2=rng.choice((96, 97, 98, 99)),
                        resp_rate=14, moaas=5 if n > 4 else 4, recorded_by=nurse, recorded_at=at,
                    )
                )  # fmt: skip
            if len(chunk) >= 50_000:
                batched(VitalReading, chunk)
                readings_total += len(chunk)
                chunk = []
        batched(VitalReading, chunk)
        readings_total += len(chunk)
    print(f"vital readings: {readings_total} at {time.perf_counter() - started:.1f} s", flush=True)

    with transaction.atomic(), connection.cursor() as cursor:
        ids = [pk for pk, _opened in session_rows]
        for start in range(0, len(ids), BATCH):
            cursor.execute(
                "UPDATE treatment_sessions_treatmentsession SET cosigned_at = nurse_signed_at "
                "+ interval '3 hours', cosigned_by_id = %s WHERE id = ANY(%s)",
                [psychiatrist.pk, ids[start : start + BATCH]],
            )

    therapist = staff[Role.THERAPIST]
    with transaction.atomic():
        notes = []
        for patient in patients:
            for n in range(5):
                note = IntegrationNote(
                    patient_id=patient.pk, note_type="integration", author=therapist,
                    status="draft", date=(base + dt.timedelta(days=20 * n)).date(),
                    modality="in_person", minutes=50, risk_suicidal_thoughts=False,
                    risk_plan=False, themes="Meaning and next steps.",
                    practices="Morning breath practice.", share_practices=True,
                )  # fmt: skip
                content = IntegrationNote.serialise(note.content(session_ids=[]))
                note.status = "signed"
                note.signed_at = timezone.now()
                note.signed_content = content
                note.content_hash = IntegrationNote.hash_of(content)
                notes.append(note)
        batched(IntegrationNote, notes)
    print(f"notes: {len(notes)} at {time.perf_counter() - started:.1f} s", flush=True)

    with transaction.atomic():
        measures = []
        for patient in patients:
            baseline = rng.randint(12, 24)
            for n in range(10):
                total = max(0, int(baseline * (1 - 0.07 * n)) + rng.randint(-2, 2))
                measures.append(
                    MeasureResult(
                        patient_id=patient.pk, instrument="phq9" if n % 2 == 0 else "gad7",
                        items={}, total=min(total, 21), band="moderate",
                        context="intake" if n == 0 else "pre_session",
                        taken_at=base + dt.timedelta(days=7 * n), entered_by=nurse,
                    )
                )  # fmt: skip
        batched(MeasureResult, measures)
    print(f"measures: {len(measures)} at {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"done in {time.perf_counter() - started:.1f} s", flush=True)
    # The Outcomes page shows what the beat task calculates every 5 minutes: calculate it
    # now, as the task would, and time that calculation.
    from integration.services import clinic_outcomes_refresh

    timings = []
    for _ in range(5):
        began = time.perf_counter()
        clinic_outcomes_refresh()
        timings.append((time.perf_counter() - began) * 1000)
    print(f"clinic outcomes report: {sorted(timings)[2]:.0f} ms (median of 5)", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    main(parser.parse_args().scale)
