"""The session record and the REMS monitoring form as PDFs."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from clinic.models import Document
from sessions.models import TreatmentSession
from sessions.services import records as services
from tests.clinic.test_documents import pdf_text
from tests.sessions.conftest import make_plan
from tests.sessions.test_session_record import NORMAL, dose, finished_session, lock, ready_to_dose


def generate(client, patient, kind: str, subject: int, capture) -> Document:
    with capture(execute=True):
        client.post(
            reverse("patient_documents", args=[patient.pk]),
            {"kind": kind, "subject_id": str(subject)},
        )
    return Document.objects.get(kind=kind)


def test_the_session_record_pdf_has_every_part_of_the_record(
    chairside, personas, login, django_capture_on_commit_callbacks
) -> None:
    session = lock(finished_session(chairside, personas), personas)
    services.addendum_write(
        session=session, reason="Late entry", text="Mild headache at home, resolved.",
        actor=personas.nurse,
    )  # fmt: skip
    document = generate(login(personas.nurse), personas.patient_a, "session_record", session.pk,
                        django_capture_on_commit_callbacks)  # fmt: skip
    text = pdf_text(document)
    for part in ("Check-in", "Pre-dose gate", "Proceed", "Dose", "36.2 mg", "Vitals",
                 "Alerts and actions", "Adverse events", "Discharge", "Signatures",
                 "Late entry", "Mild headache"):  # fmt: skip
        assert part in text, part
    assert document.record_version.startswith("co-signed")


def test_the_rems_form_pdf_lists_the_monitoring_fields(
    chairside, personas, login, django_capture_on_commit_callbacks
) -> None:
    chairside.appointment.plan = make_plan(
        personas.patient_a, personas.psychiatrist, "intranasal_esketamine"
    )
    chairside.appointment.save(update_fields=["plan"])
    session = ready_to_dose(chairside.open(personas.nurse), personas.nurse, dose_minutes_ago=130)
    dose(session, personas.nurse, minutes_ago=130)
    services.reading_record(
        session=session,
        values=NORMAL | {"moaas": 5},
        dissociation=0,
        taken_at=None,
        actor=personas.nurse,
    )
    session = lock(TreatmentSession.objects.get(pk=session.pk), personas)
    psychiatrist = login(personas.psychiatrist)
    document = generate(psychiatrist, personas.patient_a, "rems_form", session.pk,
                        django_capture_on_commit_callbacks)  # fmt: skip
    text = pdf_text(document)
    for field in ("Spravato REMS Patient Monitoring Form", "RP-1234567",
                  "Blood pressure before dosing", "128/82", "Did sedation occur?",
                  "Pulse oximetry used?", "Opioids"):  # fmt: skip
        assert field in text, field
    assert login(personas.nurse).get(
        reverse("document_download", args=[document.pk])
    ).status_code in (403, 404)
    assert timezone.now() - document.generated_at < dt.timedelta(minutes=5)


def test_a_hold_in_the_record_pdf_names_the_limit_in_words(chairside, personas) -> None:
    from django.template.loader import render_to_string

    from sessions.documents import record_context

    session = chairside.open(personas.nurse)
    services.reading_record(
        session=session,
        values=NORMAL | {"systolic": 172, "diastolic": 96},
        dissociation=None,
        taken_at=None,
        actor=personas.nurse,
    )
    context = record_context(Document(patient=personas.patient_a, subject_id=session.pk))
    html = render_to_string("documents/session_record.html", context)
    assert "Hold: Pre-dose blood pressure is 160/100 mmHg or above." in html
    assert "PREDOSE_BP_HIGH" not in html
