"""The session screen at the chair, the nurse board and the REMS forms list
(spec: session-monitoring.md).

One page per session; every entry is a small form posted with htmx to
`session_action`, which answers with the form's own block (cleared, or with the errors
next to the fields and everything typed kept) plus out-of-band updates of the status
blocks. Without JavaScript the same forms post and redirect back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clinic.access import permits
from clinic.forms import attach_errors
from clinic.policy import may
from clinic.selectors import clinic_settings
from sessions import monitoring, permissions, record_rules
from sessions.charts import vitals_chart
from sessions.forms import (
    AcknowledgeForm,
    AddendumForm,
    AdverseEventForm,
    AsqForm,
    DischargeForm,
    DoseForm,
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
from sessions.models.records import CheckInItem, RecordLocked
from sessions.selectors import before_dose, session_state
from sessions.selectors.scheduling import appointment_for_user
from sessions.selectors.session_record import session_for_user
from sessions.selectors.treatment_gate import (
    TreatmentFacts,
    current_medicines,
    flags_since_decision,
    intake_allergies,
    treatment_facts,
)
from sessions.services import (
    adverse_events,
    checkin,
    corrections,
    discharge,
    dose,
    infusion,
    signoff,
    vitals,
)
from sessions.wording import checkin_text, gate_reason_texts

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
STATUS_BLOCKS = (
    "status",
    "treatment-gate",
    "gate",
    "dose-blockers",
    "dose-preview",
    "vitals-log",
    "alerts",
    "discharge",
    "signoff",
)


# --- Check-in from the calendar or the board --------------------------------------------


@permits(permissions.RECORD_SESSION)
@require_POST
def appointment_check_in(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Open the session record for today's appointment and go to the session screen."""
    appointment = appointment_for_user(request.user, appointment_id)
    try:
        session = checkin.session_open(appointment=appointment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("nurse_board")
    return redirect("session_record", session_id=session.pk)


# --- The session screen ------------------------------------------------------------------


def _checklist(
    state: session_state.SessionState, forms: Forms, facts: TreatmentFacts | None
) -> list[dict[str, Any]]:
    """The check-in rows; `facts` (the medicines on file) only while the form is shown."""
    session = state.session
    labels = dict(CheckInItem.choices)
    rows = []
    for item in record_rules.checkin_required_items(session):
        if item in (CheckInItem.PHQ9, CheckInItem.ASQ):
            continue
        form_class = ITEM_FORMS.get(item)
        form = forms.get(f"checkin-{item}")
        if form is None and item == CheckInItem.MEDICATION_CHANGES and facts is not None:
            form = MedicationChangesForm(current=facts.medicines)
        elif form is None and form_class is not None:
            entry = state.entries.get(item)
            value = entry.value if entry else None
            if item == CheckInItem.WEIGHT and value is not None:
                value = record_rules.weight_of(value)
            form = form_class(initial={item: value} if entry else None)
        entry = state.entries.get(item)
        rows.append(
            {
                "item": item,
                "label": labels[item],
                "entry": entry,
                "shown": checkin_text(item, entry.value) if entry else "",
                "form": form,
                "confirm": item in CONFIRM_ITEMS,
                "hint": record_rules.fasting_rule(session.route) if item == "fasting" else "",
            }
        )
    return rows


def _entry_forms(session: TreatmentSession, user: Any, forms: Forms) -> dict[str, Any]:
    """Each entry form of the screen: the one just posted (with its errors and what was
    typed) or an empty one."""
    return {
        "phq9_form": forms.get("phq9") or Phq9Form(),
        "asq_form": forms.get("asq") or AsqForm(prefix="asq"),
        "pregnancy_test_form": forms.get("pregnancy_test") or PregnancyTestForm(prefix="ptest"),
        "pregnancy_na_form": forms.get("pregnancy_na") or PregnancyNotApplicableForm(prefix="pna"),
        "stop_form": forms.get("stop") or InfusionStopForm(prefix="stop", actor=user),
        "vitals_form": forms.get("vitals") or VitalsForm(),
        "override_form": forms.get("gate_override") or ReasonForm(prefix="override"),
        "order_form": forms.get("order") or OrderAmendForm(prefix="order"),
        "dose_form": forms.get("dose") or DoseForm(session=session, actor=user),
        "device_form": forms.get("device") or TimeOnlyForm(prefix="device"),
        "pause_form": forms.get("pause") or PauseForm(prefix="pause"),
        "end_form": forms.get("end") or TimeOnlyForm(prefix="end"),
        "event_form": forms.get("adverse_event") or AdverseEventForm(prefix="event"),
        "ack_forms": forms.get("acknowledge", {}),
        "discharge_form": forms.get("discharge") or DischargeForm(prefix="discharge"),
        "addendum_form": forms.get("addendum")
        or AddendumForm(
            prefix="addendum",
            entries=(
                corrections.correctable_entries(session, user) if session.nurse_signed_at else None
            ),
        ),
        "in_error_forms": forms.get("in_error", {}),
        "sign_form": forms.get("sign") or SignForm(prefix="sign"),
        "cosign_form": forms.get("cosign") or SignForm(prefix="cosign", cosign=True),
    }


def _context(request: HttpRequest, session: TreatmentSession, forms: Forms) -> dict[str, Any]:
    state = session_state.state_of(session)
    user = request.user
    writable = (
        may(user, permissions.RECORD_SESSION)
        and session.nurse_signed_at is None
        and session.cosigned_at is None
    )
    plan = session.plan
    # What the treatment gate reads, only while the dose is still to come.
    facts = None if state.dose else treatment_facts(session, now=state.now)
    planned = (
        None
        if facts is None
        else before_dose.dose_plan(session, state, first_dose=facts.first_dose)
    )
    zone = clinic_settings().zone
    gate_reasons = before_dose.session_gate(session, state, facts) if facts else []
    return {
        **_entry_forms(session, user, forms),
        "session": session,
        "state": state,
        "patient": session.patient,
        "plan": plan,
        "protocol": plan.protocol,
        "appointment": session.appointment,
        "checklist": _checklist(state, forms, facts) if facts else [],
        "checklist_done": [] if facts else _checklist(state, {}, None),
        "phq9_entry": state.entries.get(CheckInItem.PHQ9),
        "asq_entry": state.entries.get(CheckInItem.ASQ),
        "gate_reasons": gate_reasons,
        "new_flags": flags_since_decision(facts) if facts else [],
        "pregnancy": before_dose.pregnancy_state(state, facts) if facts else None,
        "allergies": facts.allergies if facts else intake_allergies(session.patient),
        "device_order": before_dose.session_device_order(
            session,
            first_dose=facts.first_dose if facts else session_state.first_dose_of_drug(session),
        )
        if session.route == monitoring.ESKETAMINE
        else 0,
        "errors": forms.get("errors", {}),
        "warnings": forms.get("warnings", []),
        "dose_blockers": before_dose.dose_blockers(state, facts) if facts else [],
        "dose_plan": planned,
        "gate_reason_text": gate_reason_texts(session, state),
        "chart": vitals_chart(state.readings, dose_started_at=state.dose_started_at, zone=zone),
        "assessment": [
            (key, label, getattr(session, key)) for key, label in monitoring.DISCHARGE_ASSESSMENT
        ],
        # Who may (the policy, `can.sessions.*` in the templates) and the record's state.
        "can_write": writable,
        "can_sign": writable and session.discharged_at is not None,
        "can_cosign": may(user, permissions.COSIGN_RECORD)
        and session.nurse_signed_at is not None
        and session.cosigned_at is None,
        "pregnancy_applies": record_rules.pregnancy_applies(session),
    }


@permits(permissions.VIEW_RECORD)
@require_GET
def session_record(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session screen: check-in, gate, dose, vitals, alerts, events, discharge."""
    session = session_for_user(request.user, session_id)
    return TemplateResponse(request, "sessions/record.html", _context(request, session, {}))


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
        return dose.dose_record(
            session=session,
            dose=dose.DoseInput(
                started_at=data["started_at"],
                lot_number=data["lot_number"],
                lot_expiry=data["lot_expiry"],
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
        key, form = "stop", _bound(InfusionStopForm, request, prefix="stop", actor=actor)

        def save(form: Any) -> object:
            return infusion.infusion_stop(
                session=session,
                at=form.cleaned_data["at"],
                volume_given_ml=form.cleaned_data["volume_given_ml"],
                waste_witness=form.cleaned_data["waste_witness"],
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
    "sign": _sign,
    "cosign": _cosign,
    "addendum": _addendum,
    "in-error": _in_error,
}


@permits(permissions.RECORD_SESSION)
@require_POST
def session_action(request: HttpRequest, session_id: int, action: str) -> HttpResponse:
    """Every entry on the session screen goes through here (one service call each)."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("Unknown action.")
    session = session_for_user(request.user, session_id)
    forms: Forms = {}
    try:
        block = handler(request, session, forms)
    except RecordLocked as error:
        block, forms["errors"] = "status", {"record": str(error)}
    except ValidationError as error:
        block = {"sign": "signoff", "cosign": "signoff", "assess": "discharge"}.get(
            action, "status"
        )
        forms["errors"] = {"record": " ".join(error.messages)}
    except PermissionDenied as error:
        block, forms["errors"] = "status", {"record": str(error)}
    failed = (
        any(getattr(form, "errors", None) for form in forms.values() if hasattr(form, "is_bound"))
        or bool(forms.get("errors"))
        or bool(forms.get("acknowledge"))
        or bool(forms.get("in_error"))
    )
    session = session_for_user(request.user, session_id)
    if not request.htmx:
        if not failed:
            return redirect(reverse("session_record", args=[session.pk]) + f"#{block}")
        return TemplateResponse(request, "sessions/record.html", _context(request, session, forms))
    context = _context(request, session, forms)
    if block.startswith("checkin-"):
        row = next((r for r in context["checklist"] if f"checkin-{r['item']}" == block), None)
        if row is None:
            block = "status"
        context["row"] = row
    context["primary"] = block
    context["primary_template"] = _block_template(block)
    skip = {block, "dose-blockers", "dose-preview"} if block == "dose" else {block}
    context["oob_templates"] = [_block_template(b) for b in STATUS_BLOCKS if b not in skip]
    response = TemplateResponse(request, "sessions/record/_update.html", context)
    if block == "status" and request.headers.get("HX-Target") != "status":
        # A refusal (signed record, not allowed…) answers in the status block, wherever
        # the form was: swap it there, not into the form's own block.
        response["HX-Retarget"] = "#status"
        response["HX-Reswap"] = "outerHTML"
    return response


def _block_template(block: str) -> str:
    name = "checkin_item" if block.startswith("checkin-") else block.replace("-", "_")
    return f"sessions/record/_{name}.html"
