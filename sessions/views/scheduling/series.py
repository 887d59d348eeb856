"""Booking an induction series: propose it from the plan, let the coordinator edit the
rows, then book every row at once."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.access import permits
from clinic.models import Location, Patient
from clinic.selectors import patient_for_user
from clinic.zones import local, show_times_at, wall_clock
from sessions.forms.scheduling import ProposalRequestForm, SessionRowFormSet
from sessions.models import TreatmentPlan
from sessions.permissions import BOOK_SESSIONS
from sessions.scheduling import Proposal, SeriesRequest, propose_series
from sessions.selectors import scheduling as selectors
from sessions.selectors.location import booking_location
from sessions.services.scheduling import BookingRow, series_book


@permits(BOOK_SESSIONS, audit="treatment_sessions.booking")
@require_http_methods(["GET", "POST"])
def book_series(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Propose a series for the patient's plan, let staff edit it, then book it at once."""
    patient = patient_for_user(request.user, patient_id)
    plan = selectors.current_plan(patient)
    if plan is None:
        messages.info(request, "A psychiatrist writes the treatment plan before booking.")
        return redirect("patient_detail", patient_id=patient.pk)
    booked = [
        a
        for a in selectors.patient_appointments(patient)
        if a.kind == "induction" and a.status != "cancelled"
    ]
    if booked:
        messages.info(request, "The induction series is already booked.")
        return redirect("patient_sessions", patient_id=patient.pk)
    location = booking_location(patient, request.user, request.GET.get("at"))
    show_times_at(location)  # times shown and typed are the location's
    ask = ProposalRequestForm(
        # "?at=…" alone (a link to book at another location) asks for nothing yet.
        request.GET if set(request.GET) - {"at"} else None,
        initial={"first_date": timezone.localdate() + dt.timedelta(days=1)},
        location=location,
    )
    rows = None
    proposal = None
    booking_errors: list[str] = []
    if request.method == "POST":
        rows = SessionRowFormSet(request.POST, prefix="row", form_kwargs={"location": location})
        ask = ProposalRequestForm(request.GET, location=location)
        if (
            rows.is_valid()
            and ask.is_valid()
            and _book(request, plan, ask, rows, booking_errors, location)
        ):
            messages.success(request, f"{len(rows.forms)} sessions booked for {patient.full_name}.")
            return redirect("patient_sessions", patient_id=patient.pk)
    elif ask.is_valid():
        proposal = _propose(patient, plan, ask, location)
        rows = _proposal_rows(proposal, location)
    return TemplateResponse(
        request,
        "sessions/book.html",
        {
            "patient": patient,
            "plan": plan,
            "ask": ask,
            "rows": rows,
            "booking_errors": booking_errors,
            "proposal": proposal,
            "location": location,
        },
    )


def _book(
    request: HttpRequest,
    plan: TreatmentPlan,
    ask: ProposalRequestForm,
    rows: SessionRowFormSet,
    booking_errors: list[str],
    location: Location | None,
) -> bool:
    """Book the edited rows (their times typed on the location's clock); a refusal goes
    next to its row (or above them all)."""
    block = dt.timedelta(minutes=plan.protocol.chair_block_minutes)
    nurse = ask.cleaned_data["nurse"]
    starts = [
        wall_clock(form.cleaned_data["day"], form.cleaned_data["start_time"], location)
        for form in rows.forms
    ]
    wanted = [
        BookingRow(
            start=start,
            end=start + block,
            chair_id=form.cleaned_data["chair"].pk,
            nurse_id=nurse.pk if nurse else None,
        )
        for start, form in zip(starts, rows.forms, strict=True)
    ]
    try:
        series_book(plan=plan, rows=wanted, actor=request.user)
    except ValidationError as error:
        for key, message in _said_once(_row_errors(error), len(rows.forms)):
            if key is None:
                booking_errors.append(message)
            else:
                rows.forms[key].add_error(None, message)
        return False
    return True


def _propose(
    patient: Patient, plan: TreatmentPlan, ask: ProposalRequestForm, location: Location | None
) -> Proposal:
    protocol = plan.protocol
    nurse = ask.cleaned_data["nurse"]
    chair = ask.cleaned_data["preferred_chair"]
    facts = selectors.calendar_facts(
        patient=patient, first_date=ask.cleaned_data["first_date"], nurse=nurse, location=location
    )
    return propose_series(
        SeriesRequest(
            sessions=plan.series_length,
            per_week=protocol.per_week,
            min_days_between=protocol.min_days_between,
            block_minutes=protocol.chair_block_minutes,
            first_date=ask.cleaned_data["first_date"],
            preferred_start=ask.cleaned_data["preferred_start"],
            preferred_chair=chair.pk if chair else None,
            nurse=nurse.pk if nurse else None,
        ),
        facts,
    )


def _proposal_rows(proposal: Proposal, location: Location | None) -> SessionRowFormSet:
    """The proposal as editable rows; a session it could not place keeps only its notes."""
    return SessionRowFormSet(
        prefix="row",
        form_kwargs={"location": location},
        initial=[
            {
                "day": local(row.start, location).date(),
                "start_time": local(row.start, location).time(),
                "chair": row.chair,
                "note": "\n".join(row.notes),
            }
            if row.start
            else {"note": "\n".join(row.notes)}
            for row in proposal.rows
        ],
    )


def _said_once(found: list[tuple[int | None, str]], count: int) -> list[tuple[int | None, str]]:
    """The same refusal on every row (no session can be booked at the location) is said
    once, above the rows, not under each of them."""
    rows = sorted(key for key, _ in found if key is not None)
    every_row = len(rows) == len(found) and rows == list(range(count))
    if count > 1 and every_row and len({message for _, message in found}) == 1:
        return [(None, found[0][1])]
    return found


def _row_errors(error: ValidationError) -> list[tuple[int | None, str]]:
    if not hasattr(error, "error_dict"):
        return [(None, message) for message in error.messages]
    found = []
    for key, messages_ in error.message_dict.items():
        index = int(key.removeprefix("row_")) if key.startswith("row_") else None
        found.extend((index, message) for message in messages_)
    return found
