"""EXPLAIN the queries behind the main pages at scale and flag sequential scans on the
large tables (patients, appointments, session records, vital readings, notes, measures,
ledger entries).

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
    "controlled_ledgerentry",
)


def ledger_queries() -> list[tuple[str, QuerySet]]:
    """The controlled-substance pages and reports at the busiest location, two years."""
    from django.db.models import Count

    from clinic import clock
    from clinic.models import Location
    from controlled.models import LedgerEntry, Lot
    from controlled.reports import PDF_MAX_ROWS, REPORTS, Period
    from controlled.selectors.stock import lot_entries

    top = (
        LedgerEntry.objects.values("lot__location")
        .annotate(entries=Count("pk"))
        .order_by("-entries")
        .first()
    )
    location = Location.objects.get(pk=top["lot__location"])
    lot = Lot.objects.filter(location=location).annotate(n=Count("entries")).order_by("-n")[0]
    end = clock.localdate(location.zone)
    period = Period(location, end - timezone.timedelta(days=730), end)
    return [
        ("lot ledger, latest page (read newest first)", lot_entries(lot).reverse()[0:50]),
        ("administration log, 2 years", REPORTS["administrations"].records(period)),
        ("waste log, 2 years", REPORTS["waste"].records(period)),
        ("running balances, 2 years", REPORTS["balances"].records(period)),
        (
            "PDF length check, 2 years",
            REPORTS["administrations"]
            .records(period)
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)[PDF_MAX_ROWS : PDF_MAX_ROWS + 1],
        ),
    ]


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
        for label, queryset in queries() + ledger_queries():
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
