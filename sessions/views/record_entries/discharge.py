"""Discharge entries: the discharge assessment, the discharge itself, and a session
ended without a dose."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest

from clinic.policy import may
from sessions import monitoring, permissions
from sessions.forms.records import DischargeForm, EndWithoutDoseForm
from sessions.models import TreatmentSession
from sessions.services import discharge, no_dose
from sessions.views.record_entries.posting import Forms, bound, submit


def _assess(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    key = request.POST.get("item", "")
    keys = [k for k, _label in monitoring.DISCHARGE_ASSESSMENT]
    if key not in keys:
        raise Http404("Unknown assessment item.")
    answers = {k: getattr(session, k) for k in keys}
    answers[key] = request.POST.get("value") == "yes"
    discharge.discharge_assess(session=session, answers=answers, actor=request.user)
    return "discharge"


def _discharge(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    # A nurse's form has no reason field: a refusal goes above the form for them.
    psychiatrist = may(request.user, permissions.SUPERVISE_TREATMENT)
    submit(
        forms,
        "discharge",
        bound(DischargeForm, request, prefix="discharge"),
        lambda form: discharge.session_discharge(
            session=session,
            override_reason=form.cleaned_data["override_reason"],
            rems_ready_minutes=form.cleaned_data["rems_ready_minutes"],
            actor=request.user,
        ),
        default_field="override_reason" if psychiatrist else None,
    )
    return "discharge"


def _end_without_dose(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    # A refusal (a dose is recorded, already ended…) shows above the form, the reason kept.
    submit(
        forms,
        "end_without_dose",
        bound(EndWithoutDoseForm, request, prefix="nodose"),
        lambda form: no_dose.session_end_without_dose(
            session=session, reason=form.cleaned_data["reason"], actor=request.user
        ),
    )
    return "discharge"


ACTIONS: dict[str, Callable[[HttpRequest, TreatmentSession, Forms], str]] = {
    "assess": _assess,
    "discharge": _discharge,
    "end-without-dose": _end_without_dose,
}
