"""EXPLAIN the queries behind the main pages at scale and flag sequential scans on the
large tables (patients, appointments, session records, vital readings, notes, measures).

    DATABASE_URL=postgres://…/clinic_bench python benchmarks/explain.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.models import Patient, User  # noqa: E402
from clinic.selectors import PatientSearch, patient_list  # noqa: E402
from intake.models import MeasureResult  # noqa: E402
from integration.models import IntegrationNote  # noqa: E402
from sessions.models import Appointment, TreatmentSession, VitalReading  # noqa: E402

LARGE = (
    "clinic_patient",
    "treatment_sessions_appointment",
    "treatment_sessions_treatmentsession",
    "treatment_sessions_vitalreading",
    "integration_integrationnote",
    "intake_measureresult",
)


def queries() -> list[tuple[str, QuerySet]]:
    coordinator = User.objects.get(username="coordinator")
    patient = Patient.objects.filter(mrn__startswith="BN-").order_by("pk")[4999]
    session = TreatmentSession.objects.filter(patient=patient).first()
    now = timezone.now()
    return [
        ("patient list page", patient_list(coordinator, PatientSearch())[:25]),
        ("patient search", patient_list(coordinator, PatientSearch(query="Patient0500"))[:25]),
        ("patient's appointments", Appointment.objects.filter(patient=patient).order_by("start")),
        (
            "calendar day",
            Appointment.objects.filter(start__gte=now, start__lt=now + timezone.timedelta(days=1)),
        ),
        ("session readings", VitalReading.objects.filter(session=session).order_by("taken_at")),
        ("open sessions (board)", TreatmentSession.objects.filter(discharged_at__isnull=True)),
        (
            "patient's sessions",
            TreatmentSession.objects.filter(patient=patient).order_by("-opened_at"),
        ),
        ("patient's notes", IntegrationNote.objects.filter(patient=patient).order_by("-date")),
        ("patient's PHQ-9", MeasureResult.objects.filter(patient=patient, instrument="phq9")),
        (
            "caseload page",
            Patient.objects.filter(therapist=patient.therapist).order_by(
                "legal_last_name", "legal_first_name", "pk"
            )[:50],
        ),
    ]


def main() -> None:
    report = []
    with connection.cursor() as cursor:
        for label, queryset in queries():
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            scans = [table for table in LARGE if f"Seq Scan on {table}" in plan]
            report.append({"query": label, "sequential_scans": scans, "plan": plan})
            print(
                f"{label}: {'SEQ SCAN ' + ', '.join(scans) if scans else 'index only'}",
                file=sys.stderr,
            )
    json.dump(report, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
