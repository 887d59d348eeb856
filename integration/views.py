"""Views of integration therapy: caseload, notes (autosaved drafts, signing, addenda),
group sessions, the patient's shared practices and pre-session questionnaires, and
outcomes per patient and per protocol."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.access import permits
from clinic.forms import attach_errors
from clinic.policy import may
from clinic.posting import submit_form
from clinic.selectors import own_patient, patient_for_user
from intake.models import MeasureContext
from integration import selectors, services
from integration.forms import AddendumForm, GroupForm, MeasuresForm, NoteForm
from integration.models import IntegrationNote, NoteType
from integration.permissions import (
    ADD_ADDENDUM,
    ANSWER_MEASURES,
    READ_NOTES,
    SEE_SHARED_PRACTICES,
    VIEW_CLINIC_OUTCOMES,
    VIEW_OUTCOMES,
    WRITE_NOTES,
)
from sessions.models import AppointmentKind


@permits(WRITE_NOTES, audit="integration.caseload")
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    """The therapist's patients: last note, next session, unsigned drafts."""
    page, rows = selectors.caseload(request.user, request.GET.get("page", 1))
    return TemplateResponse(
        request,
        "integration/caseload.html",
        {"rows": rows, "page": page, "drafts": selectors.my_drafts(request.user)},
    )


@permits(READ_NOTES, audit="integration.notes_timeline")
@require_GET
def patient_notes(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's notes timeline beside their treatment sessions."""
    patient = patient_for_user(request.user, patient_id)
    return TemplateResponse(
        request,
        "integration/patient_notes.html",
        {
            "patient": patient,
            "notes": selectors.patient_notes(request.user, patient),
            "sessions": selectors.patient_sessions_for_notes(patient),
        },
    )


@permits(WRITE_NOTES)
@require_POST
def note_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    note_type = request.POST.get("note_type", NoteType.INTEGRATION)
    try:
        note = services.note_start(patient=patient, note_type=note_type, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("patient_notes", patient_id=patient.pk)
    return redirect("note_detail", note_id=note.pk)


def _session_choices(note: IntegrationNote) -> list[tuple[int, str]]:
    sessions = selectors.patient_sessions_for_notes(note.patient)
    return [
        (
            s.pk,
            f"{timezone.localtime(s.appointment.start):%b %-d} · "
            + (
                "booster"
                if s.appointment.kind == AppointmentKind.BOOSTER
                else f"session {s.appointment.series_number}"
            ),
        )
        for s in sessions
    ]


def _note_input(form: NoteForm) -> services.NoteInput:
    data = form.cleaned_data
    return services.NoteInput(
        date=data["date"],
        modality=data["modality"],
        minutes=data["minutes"],
        session_ids=data["sessions"],
        interventions=data["interventions"],
        risk_suicidal_thoughts=form.risk("risk_suicidal_thoughts"),
        risk_plan=form.risk("risk_plan"),
        share_intentions=data["share_intentions"],
        share_practices=data["share_practices"],
        texts={name: data[name] for name in services.TEXT_FIELDS},
    )


@permits(READ_NOTES)
@require_http_methods(["GET", "POST"])
def note_detail(request: HttpRequest, note_id: int) -> HttpResponse:
    """The author's editor while a draft (autosaved with htmx); the signed note with its
    addenda for everyone allowed to read it."""
    note = selectors.note_for_user(request.user, note_id)
    editing = not note.is_signed and note.author_id == request.user.pk
    context: dict[str, Any] = {"note": note, "patient": note.patient, "editing": editing}
    if editing:
        form = NoteForm(
            request.POST or None,
            initial=NoteForm.initial_from(note),
            session_choices=_session_choices(note),
        )
        saved = False
        if request.method == "POST" and form.is_valid():
            try:
                note = services.note_save_draft(
                    note=note, data=_note_input(form), actor=request.user
                )
                saved = True
            except ValidationError as error:
                attach_errors(form, error)
        context.update({"form": form, "saved": saved, "note": note})
        if request.method == "POST" and request.htmx:
            return TemplateResponse(request, "integration/_save_status.html", context)
        if request.method == "POST" and saved:
            if "sign" in request.POST:
                return _sign(request, note, form, context)
            messages.success(request, "Draft saved.")
            return redirect("note_detail", note_id=note.pk)
    else:
        if request.method == "POST":
            raise PermissionDenied("Only the author edits a draft.")
        context["addendum_form"] = AddendumForm()
        context["can_addend"] = note.is_signed and may(request.user, ADD_ADDENDUM)
    return TemplateResponse(request, "integration/note.html", context)


def _sign(
    request: HttpRequest, note: IntegrationNote, form: NoteForm, context: dict[str, Any]
) -> HttpResponse:
    try:
        services.note_sign(note=note, actor=request.user)
    except ValidationError as error:
        attach_errors(form, error)
        context["sign_failed"] = True
        return TemplateResponse(request, "integration/note.html", context)
    messages.success(request, "Note signed. It can no longer change; add an addendum if needed.")
    return redirect("note_detail", note_id=note.pk)


@permits(ADD_ADDENDUM)
@require_POST
def note_addendum(request: HttpRequest, note_id: int) -> HttpResponse:
    note = selectors.note_for_user(request.user, note_id)
    form = AddendumForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda data: services.note_addendum_write(
            note=note, reason=data["reason"], text=data["text"], actor=request.user
        ),
        success="Addendum added under the note.",
        then=lambda _: redirect("note_detail", note_id=note.pk),
    )
    return done or TemplateResponse(
        request,
        "integration/note.html",
        {"note": note, "patient": note.patient, "editing": False, "addendum_form": form,
         "can_addend": True},
    )  # fmt: skip


@permits(WRITE_NOTES)
@require_POST
def note_discard(request: HttpRequest, note_id: int) -> HttpResponse:
    """Void the author's draft with a reason (notes are never deleted)."""
    note = selectors.note_for_user(request.user, note_id)
    try:
        services.note_void(note=note, reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("note_detail", note_id=note.pk)
    messages.success(request, "Draft voided; it no longer appears in the notes.")
    return redirect("patient_notes", patient_id=note.patient_id)


@permits(WRITE_NOTES)
@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    """One group integration meeting; a draft note is opened for each participant."""
    form = GroupForm(request.POST or None, caseload=selectors.caseload_patients(request.user))
    done = submit_form(
        request,
        form,
        lambda data: services.group_session_create(
            date=data["date"],
            modality=data["modality"],
            minutes=data["minutes"],
            topic=data["topic"],
            patients=list(data["patients"]),
            actor=request.user,
        ),
        success="Group recorded: a draft note is open for each participant.",
        then=lambda group: redirect("group_detail", group_id=group.pk),
    )
    return done or TemplateResponse(request, "integration/group_new.html", {"form": form})


@permits(READ_NOTES)
@require_GET
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    """The roster; each participant's note only for those allowed to see that patient."""
    group = selectors.group_for_user(request.user, group_id)
    roster = selectors.group_roster(request.user, group)
    return TemplateResponse(request, "integration/group.html", {"group": group, "roster": roster})


# --- Patient portal ----------------------------------------------------------------------


@permits(SEE_SHARED_PRACTICES, audit="portal.practices")
@require_GET
def my_practices(request: HttpRequest) -> HttpResponse:
    """What the therapist chose to share: intentions and practices."""
    patient = own_patient(request.user)
    return TemplateResponse(
        request,
        "integration/my_practices.html",
        {"shared": selectors.shared_with_patient(patient)},
    )


@permits(ANSWER_MEASURES, audit="portal.measures")
@require_http_methods(["GET", "POST"])
def pre_session_measures(request: HttpRequest) -> HttpResponse:
    """The questionnaires before the next session or booster."""
    patient = own_patient(request.user)
    upcoming = selectors.next_session(patient)
    form = MeasuresForm(request.POST or None, instruments=selectors.instruments_for(patient))
    context = (
        MeasureContext.BOOSTER
        if upcoming and upcoming.kind == AppointmentKind.BOOSTER
        else MeasureContext.PRE_SESSION
    )
    done = submit_form(
        request,
        form,
        lambda _: services.measures_submit(
            patient=patient, answers=form.answers(), context=context, actor=request.user
        ),
        then=lambda results: TemplateResponse(
            request,
            "integration/measures_done.html",
            {"results": results, "urgent": any(r.flags for r in results)},
        ),
    )
    return done or TemplateResponse(
        request, "integration/measures.html", {"form": form, "upcoming": upcoming}
    )


# --- Outcomes ----------------------------------------------------------------------------


@permits(VIEW_OUTCOMES, audit="integration.outcomes")
@require_GET
def patient_outcomes(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Trend charts per instrument with the baseline, bands, session days and change."""
    patient = patient_for_user(request.user, patient_id)
    return TemplateResponse(
        request,
        "integration/patient_outcomes.html",
        {"patient": patient, "outcomes": selectors.patient_outcomes(patient)},
    )


@permits(VIEW_CLINIC_OUTCOMES, audit="integration.clinic_outcomes")
@require_GET
def clinic_outcomes(request: HttpRequest) -> HttpResponse:
    """Per protocol: finished induction, PHQ-9 response and remission (counts and shares)."""
    report = selectors.clinic_outcomes_report()
    if report is None or report.stale:
        services.clinic_outcomes_refresh_soon()
    return TemplateResponse(request, "integration/clinic_outcomes.html", {"report": report})


def outcomes_panel(request: HttpRequest, patient: Any) -> dict[str, Any] | None:
    """The PHQ-9 trend on the patient chart, for the roles that see outcomes."""
    if not may(request.user, VIEW_OUTCOMES):
        return None
    return {"outcomes": selectors.patient_outcomes(patient)}
