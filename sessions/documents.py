"""The session record and the Spravato REMS monitoring form as PDFs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from clinic.documents import DocumentKind, register
from clinic.models import Document, Patient
from clinic.zones import zone_of
from sessions import monitoring, permissions
from sessions.charts import vitals_chart
from sessions.models import TreatmentSession
from sessions.selectors.location import session_location
from sessions.selectors.rems import rems_form
from sessions.selectors.session_record import with_parts
from sessions.selectors.session_state import first_dose_of_drug, state_of
from sessions.wording import gate_reason_texts


def _finished(patient: Patient, route: str | None = None) -> list[tuple[int, str]]:
    sessions = TreatmentSession.objects.filter(patient=patient, discharged_at__isnull=False)
    if route:
        sessions = sessions.filter(route=route)
    return [
        (s.pk, f"{timezone.localtime(s.opened_at):%b %-d, %Y} · {s.get_route_display()}")
        for s in sessions.order_by("-opened_at")
    ]


def _session(document: Document) -> TreatmentSession:
    return with_parts(TreatmentSession.objects.filter(patient=document.patient)).get(
        pk=document.subject_id
    )


def session_zone(document: Document) -> dt.tzinfo:
    """A session's documents show its times on its location's clock (clinic/zones.py)."""
    session = TreatmentSession.objects.filter(pk=document.subject_id).first()
    return zone_of(session_location(session) if session else None)


def record_context(document: Document) -> dict[str, Any]:
    session = _session(document)
    state = state_of(session)
    location = session_location(session)
    return {
        "session": session,
        "state": state,
        "location": location,
        "chart": vitals_chart(
            state.readings, dose_started_at=state.dose_started_at, zone=zone_of(location)
        ),
        "gate_reason_text": gate_reason_texts(session, state),
    }


def rems_context(document: Document) -> dict[str, Any]:
    session = _session(document)
    return {
        "session": session,
        "location": session_location(session),
        "rems": rems_form(state_of(session), first_dose=first_dose_of_drug(session)),
    }


def record_version(document: Document) -> str:
    session = TreatmentSession.objects.get(pk=document.subject_id)
    if session.cosigned_at:
        signed = timezone.localtime(session.cosigned_at, zone_of(session_location(session)))
        return f"co-signed {signed:%Y-%m-%d %H:%M}"
    if session.nurse_signed_at:
        return "signed by the nurse, not co-signed"
    return "not signed"


def register_documents() -> None:
    register(
        DocumentKind(
            code="session_record",
            label="Session record",
            template="documents/session_record.html",
            action=permissions.VIEW_RECORD,
            context=record_context,
            record_version=record_version,
            subjects=_finished,
            zone=session_zone,
        )
    )
    register(
        DocumentKind(
            code="rems_form",
            label="Spravato REMS monitoring form",
            template="documents/rems_form.html",
            action=permissions.DOWNLOAD_REMS_FORM,
            context=rems_context,
            record_version=record_version,
            subjects=lambda patient: _finished(patient, monitoring.ESKETAMINE),
            zone=session_zone,
        )
    )
