"""The treatment floor: the nurse board, REMS forms due, and records waiting for a
psychiatrist's co-signature (spec: session-monitoring.md §8, §9)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import allow
from clinic.audit import audit_record
from clinic.choices import AuditAction, Role
from clinic.forms import attach_errors
from sessions import monitoring
from sessions.forms import RemsSubmissionForm
from sessions.selectors import records as selectors
from sessions.selectors.rems import rems_form
from sessions.services import records as services

# --- Nurse board -------------------------------------------------------------------------

BOARD_AUDIT_EVERY_SECONDS = 300


def _board_context(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    return {
        "states": selectors.board_states(now),
        "arrivals": selectors.arrivals_today(request.user, now),
        "now": now,
        "can_check_in": request.user.has_role(Role.NURSE, Role.PSYCHIATRIST),
    }


def _audit_board(request: HttpRequest, *, force: bool) -> None:
    """The board shows many patients' initials; one audit row per viewer every few
    minutes (not every 8-second refresh) keeps the trail readable. Opening the board
    always writes one. The last time is kept in the cache, not the session, so the
    board never writes to the database just to remember it (with several server
    processes each keeps its own: at most one row per process and viewer)."""
    key = f"board-audited:{request.user.pk}:{request.session.session_key}"
    if force:
        cache.set(key, True, BOARD_AUDIT_EVERY_SECONDS)
    elif not cache.add(key, True, BOARD_AUDIT_EVERY_SECONDS):
        return
    audit_record(action=AuditAction.VIEW, object_type="treatment_sessions.nurse_board")


@allow(Role.NURSE, Role.PSYCHIATRIST)
@require_GET
def nurse_board(request: HttpRequest) -> HttpResponse:
    """The treatment floor: every session in progress, refreshing itself."""
    _audit_board(request, force=True)
    return TemplateResponse(request, "sessions/board.html", _board_context(request))


@allow(Role.NURSE, Role.PSYCHIATRIST)
@require_GET
def nurse_board_live(request: HttpRequest) -> HttpResponse:
    """The board's body, fetched by htmx every 8 seconds."""
    _audit_board(request, force=False)
    return TemplateResponse(request, "sessions/board/_live.html", _board_context(request))


# --- REMS monitoring forms ---------------------------------------------------------------


@allow(Role.NURSE, Role.PSYCHIATRIST)
@require_GET
def rems_forms_due(request: HttpRequest) -> HttpResponse:
    """Esketamine sessions whose REMS monitoring form is still to be submitted."""
    rows = selectors.rems_forms_due(request.user)
    audit_record(action=AuditAction.VIEW, object_type="treatment_sessions.rems_due")
    return TemplateResponse(request, "sessions/rems_due.html", {"rows": rows})


@allow(Role.NURSE, Role.PSYCHIATRIST)
@require_http_methods(["GET", "POST"])
def session_rems(request: HttpRequest, session_id: int) -> HttpResponse:
    """Every field the REMS Patient Monitoring Form asks for, and the submission record."""
    session = selectors.session_for_user(request.user, session_id)
    if session.route != monitoring.ESKETAMINE:
        raise Http404("Only esketamine sessions have a REMS monitoring form.")
    state = selectors.state_of(session)
    form = RemsSubmissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rems_submission_record(
                session=session,
                submitted_on=form.cleaned_data["submitted_on"],
                confirmation=form.cleaned_data["confirmation"],
                missing_note=form.cleaned_data["missing_note"],
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "REMS form recorded as submitted.")
            return redirect("rems_forms_due")
    if request.method == "GET":
        audit_record(action=AuditAction.VIEW, patient=session.patient, obj=session)
    return TemplateResponse(
        request,
        "sessions/rems_form.html",
        {
            "session": session,
            "patient": session.patient,
            "rems": rems_form(state, first_dose=selectors.first_dose_of_drug(session)),
            "form": form,
            "submission": getattr(session, "rems_submission", None),
        },
    )


@allow(Role.PSYCHIATRIST)
@require_GET
def cosign_queue(request: HttpRequest) -> HttpResponse:
    """Session records waiting for a psychiatrist's co-signature."""
    sessions = selectors.awaiting_cosign(request.user)
    audit_record(action=AuditAction.VIEW, object_type="treatment_sessions.cosign_queue")
    return TemplateResponse(request, "sessions/cosign_queue.html", {"sessions": sessions})
