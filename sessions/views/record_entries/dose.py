"""Dose entries: the order amended, the dose given (a drawn dose or device times) and
the infusion paused, resumed, stopped or ended."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest

from sessions.forms.records import (
    DoseForm,
    InfusionStopForm,
    OrderAmendForm,
    PauseForm,
    TimeOnlyForm,
)
from sessions.models import TreatmentSession
from sessions.services import dose, infusion, ledger
from sessions.views.record_entries.posting import Forms, bound, submit


def _order(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    submit(
        forms,
        "order",
        bound(OrderAmendForm, request, prefix="order"),
        lambda form: dose.order_amend(session=session, actor=request.user, **form.cleaned_data),
    )
    return "dose"


def _dose(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    def save(form: DoseForm) -> object:
        data = form.cleaned_data
        lot = data.get("lot")
        return dose.dose_record(
            session=session,
            dose=dose.DoseInput(
                started_at=data["started_at"],
                lot_number=lot.lot_number if lot else data["lot_number"],
                lot_expiry=lot.expires_on if lot else data["lot_expiry"],
                lot=lot,
                witness_password=data.get("witness_password", ""),
                mg_per_kg=data.get("mg_per_kg"),
                mg=data.get("mg"),
                planned_minutes=data.get("planned_minutes"),
                concentration_mg_per_ml=data.get("concentration_mg_per_ml"),
                volume_drawn_ml=data.get("volume_drawn_ml"),
                waste_witness=data.get("waste_witness"),
            ),
            actor=request.user,
        )

    submit(forms, "dose", bound(DoseForm, request, session=session, actor=request.user), save)
    return "dose"


def _device(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    def save(form: TimeOnlyForm) -> object:
        _row, forms["warnings"] = dose.device_record(
            session=session, given_at=form.cleaned_data["at"], actor=request.user
        )
        return _row

    submit(forms, "device", bound(TimeOnlyForm, request, prefix="device"), save, default_field="at")
    return "dose"


def _infusion(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    op = request.POST.get("op")
    actor = request.user
    if op == "pause":
        key, form = "pause", bound(PauseForm, request, prefix="pause")

        def save(form: Any) -> object:
            return infusion.infusion_pause(
                session=session,
                at=form.cleaned_data["at"],
                reason=form.cleaned_data["reason"],
                actor=actor,
            )
    elif op == "stop":
        key, form = (
            "stop",
            bound(
                InfusionStopForm,
                request,
                prefix="stop",
                actor=actor,
                ledger=ledger.dose_uses_ledger(session),
            ),
        )

        def save(form: Any) -> object:
            return infusion.infusion_stop(
                session=session,
                at=form.cleaned_data["at"],
                volume_given_ml=form.cleaned_data["volume_given_ml"],
                waste_witness=form.cleaned_data["waste_witness"],
                witness_password=form.cleaned_data.get("witness_password", ""),
                actor=actor,
            )
    elif op in ("resume", "end"):
        key = "end" if op == "end" else "pause"
        form = bound(TimeOnlyForm, request, prefix=key)
        service = infusion.infusion_end if op == "end" else infusion.infusion_resume

        def save(form: Any) -> object:
            return service(session=session, at=form.cleaned_data["at"], actor=actor)
    else:
        raise Http404("Unknown infusion action.")
    submit(forms, key, form, save, default_field="at")
    return "dose"


ACTIONS: dict[str, Callable[[HttpRequest, TreatmentSession, Forms], str]] = {
    "order": _order,
    "dose": _dose,
    "device": _device,
    "infusion": _infusion,
}
