"""Each entry of the session screen, posted to `session_action`: its form validated, its
one service called, and the block the answer shows (spec: session-monitoring.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from clinic.forms import attach_errors
from clinic.policy import may
from sessions import monitoring, permissions
from sessions.forms.records import (
    AcknowledgeForm,
    AddendumForm,
    AdverseEventForm,
    AsqForm,
    DischargeForm,
    DoseForm,
    EndWithoutDoseForm,
    EnteredInErrorForm,
    InfusionStopForm,
    MedicationChangesForm,
    OrderAmendForm,
    PauseForm,
    Phq9Form,
    PregnancyForm,
    PregnancyNotApplicableForm,
    PregnancyTestForm,
    ReasonForm,
    SignForm,
    TimeOnlyForm,
    VitalsForm,
    WeightForm,
)
from sessions.models import (
    AdverseEvent,
    DeviceDose,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.checkin import CheckInItem
from sessions.selectors.treatment_gate import (
    current_medicines,
)
from sessions.services import (
    adverse_events,
    checkin,
    corrections,
    discharge,
    dose,
    infusion,
    ledger,
    no_dose,
    signoff,
    vitals,
)

Forms = dict[str, Any]
CONFIRM_ITEMS = (
    CheckInItem.IDENTITY,
    CheckInItem.FASTING,
    CheckInItem.ESCORT,
    CheckInItem.NO_DRIVING,
)
ITEM_FORMS = {
    CheckInItem.WEIGHT: WeightForm,
    CheckInItem.PREGNANCY: PregnancyForm,
    CheckInItem.MEDICATION_CHANGES: MedicationChangesForm,
}


def _bound(form_class: type, request: HttpRequest, **kwargs: Any) -> Any:
    return form_class(request.POST, **kwargs)


def _submit(
    forms: Forms,
    key: str,
    form: Any,
    save: Callable[[Any], object],
    *,
    default_field: str | None = None,
) -> bool:
    """Validate the form and call its service. On any problem the form stays in `forms`
    and is shown again with the errors next to its fields and what was typed; after a
    successful save it is dropped, so the block comes back empty."""
    forms[key] = form
    if not form.is_valid():
        return False
    try:
        save(form)
    except ValidationError as error:
        attach_errors(form, error, default_field=default_field)
        return False
    forms.pop(key)
    return True


def _checkin(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    item = request.POST.get("item", "")
    block = f"checkin-{item}"
    actor = request.user
    if item in CONFIRM_ITEMS:
        checkin.checkin_record(session=session, item=item, value=True, actor=actor)
        return block
    if item == CheckInItem.MEDICATION_CHANGES:
        _submit(
            forms,
            block,
            MedicationChangesForm(request.POST, current=current_medicines(session.patient_id)),
            lambda form: checkin.checkin_medications(
                session=session,
                changes=form.cleaned_data[item],
                medicines=form.medicines(),
                actor=actor,
            ),
        )
        return block
    form_class = ITEM_FORMS.get(item)
    if form_class is None:
        raise Http404("Unknown check-in item.")
    _submit(
        forms,
        block,
        _bound(form_class, request),
        lambda form: checkin.checkin_record(
            session=session,
            item=item,
            value=form.cleaned_data[item],
            confirmed=bool(form.cleaned_data.get("confirmed")),
            actor=actor,
        ),
    )
    return block


def _asq(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    _submit(
        forms,
        "asq",
        _bound(AsqForm, request, prefix="asq"),
        lambda form: checkin.checkin_asq(session=session, items=form.items(), actor=request.user),
    )
    return "asq"


def _pregnancy_test(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    _submit(
        forms,
        "pregnancy_test",
        _bound(PregnancyTestForm, request, prefix="ptest"),
        lambda form: checkin.pregnancy_test_record(
            session=session, actor=request.user, **form.cleaned_data
        ),
    )
    return "pregnancy"


def _pregnancy_not_applicable(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    _submit(
        forms,
        "pregnancy_na",
        _bound(PregnancyNotApplicableForm, request, prefix="pna"),
        lambda form: checkin.pregnancy_not_applicable_record(
            session=session,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
    )
    return "pregnancy"


def _take_plan(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    checkin.session_take_current_plan(session=session, actor=request.user)
    return "status"


def _phq9(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    _submit(
        forms,
        "phq9",
        _bound(Phq9Form, request),
        lambda form: checkin.checkin_phq9(session=session, items=form.items(), actor=request.user),
    )
    return "phq9"


def _vitals(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    _submit(
        forms,
        "vitals",
        _bound(VitalsForm, request),
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
    _submit(
        forms,
        "gate_override",
        _bound(ReasonForm, request, prefix="override"),
        lambda form: vitals.gate_override(
            session=session,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
    )
    return "gate"


def _order(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    _submit(
        forms,
        "order",
        _bound(OrderAmendForm, request, prefix="order"),
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

    _submit(forms, "dose", _bound(DoseForm, request, session=session, actor=request.user), save)
    return "dose"


def _device(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    def save(form: TimeOnlyForm) -> object:
        _row, forms["warnings"] = dose.device_record(
            session=session, given_at=form.cleaned_data["at"], actor=request.user
        )
        return _row

    _submit(
        forms, "device", _bound(TimeOnlyForm, request, prefix="device"), save, default_field="at"
    )
    return "dose"


def _infusion(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    op = request.POST.get("op")
    actor = request.user
    if op == "pause":
        key, form = "pause", _bound(PauseForm, request, prefix="pause")

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
            _bound(
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
        form = _bound(TimeOnlyForm, request, prefix=key)
        service = infusion.infusion_end if op == "end" else infusion.infusion_resume

        def save(form: Any) -> object:
            return service(session=session, at=form.cleaned_data["at"], actor=actor)
    else:
        raise Http404("Unknown infusion action.")
    _submit(forms, key, form, save, default_field="at")
    return "dose"


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

    _submit(forms, "adverse_event", _bound(AdverseEventForm, request, prefix="event"), save)
    return "events"


def _acknowledge(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    form = _bound(AcknowledgeForm, request)
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
    _submit(
        forms,
        "discharge",
        _bound(DischargeForm, request, prefix="discharge"),
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
    _submit(
        forms,
        "end_without_dose",
        _bound(EndWithoutDoseForm, request, prefix="nodose"),
        lambda form: no_dose.session_end_without_dose(
            session=session, reason=form.cleaned_data["reason"], actor=request.user
        ),
    )
    return "discharge"


def _attested(forms: Forms, key: str, form: SignForm) -> bool:
    """The signer ticked the box saying what they sign; if not, the box says so. A refusal
    by the service itself (another psychiatrist must co-sign…) shows above the block."""
    if form.is_valid():
        return True
    forms[key] = form
    return False


def _sign(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    if _attested(forms, "sign", _bound(SignForm, request, prefix="sign")):
        signoff.session_sign(session=session, actor=request.user)
    return "signoff"


def _cosign(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    if _attested(forms, "cosign", _bound(SignForm, request, prefix="cosign", cosign=True)):
        signoff.session_cosign(session=session, actor=request.user)
    return "signoff"


def _addendum(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    entries = (
        corrections.correctable_entries(session, request.user) if session.nurse_signed_at else {}
    )
    _submit(
        forms,
        "addendum",
        _bound(AddendumForm, request, prefix="addendum", entries=entries),
        lambda form: corrections.addendum_write(
            session=session,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
            corrects=form.cleaned_data["corrects"],
            actor=request.user,
        ),
    )
    return "signoff"


# The entries that can be marked entered in error: their model, service and block.
IN_ERROR_ENTRIES: dict[str, tuple[Any, Callable[..., object], str, str]] = {
    "reading": (VitalReading, corrections.reading_mark_entered_in_error, "reading", "vitals-log"),
    "device": (DeviceDose, corrections.device_mark_entered_in_error, "device", "dose"),
    "event": (AdverseEvent, corrections.adverse_event_mark_entered_in_error, "event", "events"),
}


def _in_error(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    """Mark a reading, a device time or an adverse event entered in error; the reason's
    errors stay next to that row's field."""
    ref = request.POST.get("entry", "")
    kind, _sep, pk = ref.partition(":")
    if kind not in IN_ERROR_ENTRIES or not (pk.isascii() and pk.isdigit() and len(pk) < 10):
        raise Http404("Unknown entry.")
    model, service, argument, block = IN_ERROR_ENTRIES[kind]
    row = model.objects.filter(pk=int(pk), session=session).first()
    if row is None:
        raise Http404("Unknown entry.")
    form = EnteredInErrorForm(request.POST)
    if not form.is_valid():
        forms["in_error"] = {ref: form}
        return block
    try:
        service(
            actor=request.user,
            reason=form.cleaned_data["reason"],
            **{argument: row},
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise  # a refusal of the whole entry (signed, device 1…): the status block says it
        attach_errors(form, error)
        forms["in_error"] = {ref: form}
    return block


ACTIONS: dict[str, Callable[[HttpRequest, TreatmentSession, Forms], str]] = {
    "checkin": _checkin,
    "phq9": _phq9,
    "asq": _asq,
    "pregnancy-test": _pregnancy_test,
    "pregnancy-not-applicable": _pregnancy_not_applicable,
    "take-plan": _take_plan,
    "vitals": _vitals,
    "gate-override": _gate_override,
    "order": _order,
    "dose": _dose,
    "device": _device,
    "infusion": _infusion,
    "adverse-event": _adverse_event,
    "acknowledge": _acknowledge,
    "assess": _assess,
    "discharge": _discharge,
    "end-without-dose": _end_without_dose,
    "sign": _sign,
    "cosign": _cosign,
    "addendum": _addendum,
    "in-error": _in_error,
}
