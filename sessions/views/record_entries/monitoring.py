"""Monitoring entries: vital signs, the pre-dose gate's override, alerts acknowledged
and adverse events."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from clinic.forms import attach_errors
from sessions.forms.records import AcknowledgeForm, AdverseEventForm, ReasonForm, VitalsForm
from sessions.models import TreatmentSession, VitalAlert
from sessions.services import adverse_events, vitals
from sessions.views.record_entries.posting import Forms, bound, submit


def _vitals(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    submit(
        forms,
        "vitals",
        bound(VitalsForm, request),
        lambda form: vitals.reading_record(
            session=session,
            values=form.values(),
            taken_at=form.cleaned_data["taken_at"],
            comment=form.cleaned_data["comment"],
            dissociation=form.cleaned_data["dissociation"],
            cadss6=form.cleaned_data["cadss6"],
            actor=request.user,
        ),
    )
    return "vitals-form"


def _gate_override(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    submit(
        forms,
        "gate_override",
        bound(ReasonForm, request, prefix="override"),
        lambda form: vitals.gate_override(
            session=session,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
    )
    return "gate"


def _adverse_event(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    def save(form: AdverseEventForm) -> object:
        data = form.cleaned_data
        return adverse_events.adverse_event_record(
            session=session,
            event=adverse_events.AdverseEventInput(
                kind=data["kind"],
                severity=data["severity"],
                onset_at=data["onset_at"],
                description=data["description"],
                medication=data["medication"],
                medication_dose=data["medication_dose"],
                medication_at=data["medication_at"] or data["onset_at"],
                infusion_action=data["infusion_action"] or "",
                outcome=data["outcome"],
            ),
            actor=request.user,
        )

    submit(forms, "adverse_event", bound(AdverseEventForm, request, prefix="event"), save)
    return "events"


def _acknowledge(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    form = bound(AcknowledgeForm, request)
    if not form.is_valid() and "alert" in form.errors:
        raise Http404("Unknown alert.")
    alert_id = int(request.POST["alert"])
    alert = VitalAlert.objects.filter(pk=alert_id, session=session).first()
    if alert is None:
        raise Http404("Unknown alert.")
    if form.is_valid():
        try:
            vitals.alert_acknowledge(
                alert=alert,
                action_taken=form.cleaned_data["action_taken"],
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
            forms["acknowledge"] = {alert_id: form}
        return "alerts"
    forms["acknowledge"] = {alert_id: form}
    return "alerts"


ACTIONS: dict[str, Callable[[HttpRequest, TreatmentSession, Forms], str]] = {
    "vitals": _vitals,
    "gate-override": _gate_override,
    "adverse-event": _adverse_event,
    "acknowledge": _acknowledge,
}
