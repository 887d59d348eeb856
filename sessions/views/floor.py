"""The treatment floor: the nurse board, REMS forms due, and records waiting for a
psychiatrist's co-signature (spec: session-monitoring.md §8, §9)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import permits
from clinic.posting import submit_form
from clinic.selectors import current_location
from clinic.zones import show_times_at
from sessions import monitoring, permissions
from sessions.forms.records import RemsSubmissionForm
from sessions.selectors import floor, session_state
from sessions.selectors.location import session_location
from sessions.selectors.rems import rems_form
from sessions.selectors.session_record import session_for_user
from sessions.services.rems import rems_submission_record

# --- Nurse board -------------------------------------------------------------------------

# The board shows many patients' initials: one audit row per viewer every five minutes
# (not every 8-second refresh) keeps the trail readable. Opening the board always writes
# one and starts the five minutes; its live part writes once they are over.
BOARD_AUDIT = "treatment_sessions.nurse_board"
BOARD_AUDIT_EVERY_SECONDS = 300


def _board_context(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    location = current_location(request.user)
    show_times_at(location)  # the board's times are on the location's clock
    return {
        "states": floor.board_states(now, location),
        "arrivals": floor.arrivals_today(request.user, now, location),
        "now": now,
        "picked_location": location,
    }


@permits(
    permissions.VIEW_FLOOR,
    audit=BOARD_AUDIT,
    audit_every=BOARD_AUDIT_EVERY_SECONDS,
    audit_renews=True,
)
@require_GET
def nurse_board(request: HttpRequest) -> HttpResponse:
    """The treatment floor: every session in progress, refreshing itself."""
    return TemplateResponse(request, "sessions/board.html", _board_context(request))


@permits(permissions.VIEW_FLOOR, audit=BOARD_AUDIT, audit_every=BOARD_AUDIT_EVERY_SECONDS)
@require_GET
def nurse_board_live(request: HttpRequest) -> HttpResponse:
    """The board's body, fetched by htmx every 8 seconds."""
    return TemplateResponse(request, "sessions/board/_live.html", _board_context(request))


# --- REMS monitoring forms ---------------------------------------------------------------


@permits(permissions.SUBMIT_REMS_FORMS, audit="treatment_sessions.rems_due")
@require_GET
def rems_forms_due(request: HttpRequest) -> HttpResponse:
    """Esketamine sessions whose REMS monitoring form is still to be submitted."""
    location = current_location(request.user)
    show_times_at(location)
    rows = floor.rems_forms_due(request.user, location)
    return TemplateResponse(
        request, "sessions/rems_due.html", {"rows": rows, "picked_location": location}
    )


@permits(permissions.SUBMIT_REMS_FORMS)
@require_http_methods(["GET", "POST"])
def session_rems(request: HttpRequest, session_id: int) -> HttpResponse:
    """Every field the REMS Patient Monitoring Form asks for, and the submission record."""
    session = session_for_user(request.user, session_id)
    location = session_location(session)
    show_times_at(location)  # the form's times and days are the session's location's
    if session.route != monitoring.ESKETAMINE:
        raise Http404("Only esketamine sessions have a REMS monitoring form.")
    state = session_state.state_of(session)
    form = RemsSubmissionForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: rems_submission_record(
            session=session,
            submitted_on=data["submitted_on"],
            confirmation=data["confirmation"],
            missing_note=data["missing_note"],
            actor=request.user,
        ),
        success="REMS form recorded as submitted.",
        then=lambda _: redirect("rems_forms_due"),
    )
    if done:
        return done
    return TemplateResponse(
        request,
        "sessions/rems_form.html",
        {
            "session": session,
            "patient": session.patient,
            "location": location,
            "rems": rems_form(state, first_dose=session_state.first_dose_of_drug(session)),
            "form": form,
            "submission": getattr(session, "rems_submission", None),
        },
    )


@permits(permissions.COSIGN_RECORD, audit="treatment_sessions.cosign_queue")
@require_GET
def cosign_queue(request: HttpRequest) -> HttpResponse:
    """Session records waiting for a psychiatrist's co-signature."""
    sessions = floor.awaiting_cosign(request.user)
    return TemplateResponse(request, "sessions/cosign_queue.html", {"sessions": sessions})
