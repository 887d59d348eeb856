"""The session screen at the chair, the nurse board and the REMS forms list
(spec: session-monitoring.md).

One page per session; every entry is a small form posted with htmx to
`session_action`, which answers with the form's own block (cleared, or with the errors
next to the fields and everything typed kept) plus out-of-band updates of the status
blocks. Without JavaScript the same forms post and redirect back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clinic.access import permits
from clinic.policy import may
from clinic.zones import show_times_at, zone_of
from sessions import monitoring, permissions, record_rules
from sessions.charts import vitals_chart
from sessions.forms.records import (
    AddendumForm,
    AdverseEventForm,
    AsqForm,
    DischargeForm,
    DoseForm,
    EndWithoutDoseForm,
    InfusionStopForm,
    MedicationChangesForm,
    OrderAmendForm,
    PauseForm,
    Phq9Form,
    PregnancyNotApplicableForm,
    PregnancyTestForm,
    ReasonForm,
    SignForm,
    TimeOnlyForm,
    VitalsForm,
)
from sessions.models import (
    TreatmentSession,
)
from sessions.models.checkin import CheckInItem
from sessions.models.session import RecordLocked
from sessions.selectors import before_dose, session_state
from sessions.selectors.location import session_location
from sessions.selectors.scheduling import appointment_for_user
from sessions.selectors.session_record import session_for_user
from sessions.selectors.treatment_gate import (
    GateReason,
    TreatmentFacts,
    flags_since_decision,
    intake_allergies,
    treatment_facts,
)
from sessions.services import (
    checkin,
    corrections,
)
from sessions.views.record_entries import ACTIONS, CONFIRM_ITEMS, ITEM_FORMS, Forms
from sessions.wording import checkin_text, gate_reason_texts

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

# Actions after which the page is loaded again whole (htmx): every entry form closes.
WHOLE_PAGE_ACTIONS = {"end-without-dose"}


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
    dose_form = forms.get("dose") or DoseForm(session=session, actor=user)
    return {
        "phq9_form": forms.get("phq9") or Phq9Form(),
        "asq_form": forms.get("asq") or AsqForm(prefix="asq"),
        "pregnancy_test_form": forms.get("pregnancy_test") or PregnancyTestForm(prefix="ptest"),
        "pregnancy_na_form": forms.get("pregnancy_na") or PregnancyNotApplicableForm(prefix="pna"),
        "stop_form": forms.get("stop")
        or InfusionStopForm(prefix="stop", actor=user, ledger=dose_form.uses_ledger),
        "vitals_form": forms.get("vitals") or VitalsForm(),
        "override_form": forms.get("gate_override") or ReasonForm(prefix="override"),
        "order_form": forms.get("order") or OrderAmendForm(prefix="order"),
        "dose_form": dose_form,
        "device_form": forms.get("device") or TimeOnlyForm(prefix="device"),
        "pause_form": forms.get("pause") or PauseForm(prefix="pause"),
        "end_form": forms.get("end") or TimeOnlyForm(prefix="end"),
        "event_form": forms.get("adverse_event") or AdverseEventForm(prefix="event"),
        "ack_forms": forms.get("acknowledge", {}),
        "discharge_form": forms.get("discharge") or DischargeForm(prefix="discharge"),
        "no_dose_form": forms.get("end_without_dose") or EndWithoutDoseForm(prefix="nodose"),
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


def _checkin_context(
    session: TreatmentSession,
    state: session_state.SessionState,
    facts: TreatmentFacts | None,
    forms: Forms,
    *,
    gate_reasons: list[GateReason],
) -> dict[str, Any]:
    """The check-in part of the page: the checklist (to do, or done once the dose is
    given), the questionnaires, the gate, pregnancy, allergies and the device order."""
    return {
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
    }


def _context(request: HttpRequest, session: TreatmentSession, forms: Forms) -> dict[str, Any]:
    state = session_state.state_of(session)
    user = request.user
    signable = (
        may(user, permissions.RECORD_SESSION)
        and session.nurse_signed_at is None
        and session.cosigned_at is None
    )
    # A session ended without a dose takes only its signature.
    writable = signable and session.ended_without_dose_at is None
    plan = session.plan
    # What the treatment gate reads, only while the dose is still to come.
    facts = None if state.dose else treatment_facts(session, now=state.now)
    planned = (
        None
        if facts is None
        else before_dose.dose_plan(session, state, first_dose=facts.first_dose)
    )
    location = session_location(session)  # its clock: the page's times (`_on_its_clock`)
    gate_reasons = before_dose.session_gate(session, state, facts) if facts else []
    return {
        **_entry_forms(session, user, forms),
        "session": session,
        "state": state,
        "patient": session.patient,
        "plan": plan,
        "protocol": plan.protocol,
        "appointment": session.appointment,
        "location": location,
        **_checkin_context(session, state, facts, forms, gate_reasons=gate_reasons),
        "errors": forms.get("errors", {}),
        "warnings": forms.get("warnings", []),
        "dose_blockers": before_dose.dose_blockers(state, facts) if facts else [],
        "dose_plan": planned,
        "gate_reason_text": gate_reason_texts(session, state),
        "chart": vitals_chart(
            state.readings, dose_started_at=state.dose_started_at, zone=zone_of(location)
        ),
        "assessment": [
            (key, label, getattr(session, key)) for key, label in monitoring.DISCHARGE_ASSESSMENT
        ],
        # Who may (the policy, `can.sessions.*` in the templates) and the record's state.
        "can_write": writable,
        "can_sign": signable and session.ended,
        "can_end_without_dose": writable and state.dose is None and not state.devices,
        "can_cosign": may(user, permissions.COSIGN_RECORD)
        and session.nurse_signed_at is not None
        and session.cosigned_at is None,
        "pregnancy_applies": record_rules.pregnancy_applies(session),
    }


@permits(permissions.VIEW_RECORD)
@require_GET
def session_record(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session screen: check-in, gate, dose, vitals, alerts, events, discharge."""
    session = _on_its_clock(session_for_user(request.user, session_id))
    return TemplateResponse(request, "sessions/record.html", _context(request, session, {}))


def _on_its_clock(session: TreatmentSession) -> TreatmentSession:
    """The session screen shows its times, and reads the times typed on it, on the
    session's location's clock (clinic/zones.py); vitals-due timing is absolute."""
    show_times_at(session_location(session))
    return session


@permits(permissions.RECORD_SESSION)
@require_POST
def session_action(request: HttpRequest, session_id: int, action: str) -> HttpResponse:
    """Every entry on the session screen goes through here (one service call each)."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("Unknown action.")
    session = _on_its_clock(session_for_user(request.user, session_id))
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
    if request.htmx and action in WHOLE_PAGE_ACTIONS and not failed:
        # Every entry form of the page closes: the whole page is loaded again.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
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
