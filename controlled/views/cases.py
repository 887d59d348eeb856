"""Discrepancies (a psychiatrist decides) and theft or loss cases (deadlines until done)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic import clock
from clinic.access import permits
from clinic.models import Location, User
from clinic.posting import submit_form
from clinic.selectors import work_locations
from controlled import permissions
from controlled.choices import DiscrepancyStatus
from controlled.forms import CaseForm, DecideForm, Form106Form
from controlled.home import case_deadlines
from controlled.selectors.records import (
    case_for_user,
    cases_for_user,
    discrepancy_for_user,
    open_discrepancies,
    recent_decided,
)
from controlled.services.cases import case_form_106_filed, case_notice_sent, case_open
from controlled.services.counts import discrepancy_escalate, discrepancy_resolve


@permits(permissions.RESOLVE_DISCREPANCY, audit="controlled.discrepancies")
def discrepancy_list(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "controlled/discrepancies.html",
        {"open": open_discrepancies(request.user), "decided": recent_decided(request.user)},
    )


@permits(permissions.RESOLVE_DISCREPANCY, audit="controlled.discrepancy")
@require_http_methods(["GET", "POST"])
def discrepancy_decide(request: HttpRequest, discrepancy_id: int) -> HttpResponse:
    discrepancy = discrepancy_for_user(request.user, discrepancy_id)
    form = DecideForm(request.POST or None)
    is_open = discrepancy.status == DiscrepancyStatus.OPEN
    escalate = request.POST.get("decision") == "escalate"

    def decide(data: dict[str, str]) -> object:
        decision = discrepancy_escalate if escalate else discrepancy_resolve
        return decision(
            discrepancy=discrepancy, explanation=data["explanation"], actor=request.user
        )

    done = is_open and submit_form(
        request,
        form,
        decide,
        default_field="explanation",
        then=lambda case: (
            redirect("case_detail", case_id=case.pk)
            if escalate
            else redirect("discrepancy_decide", discrepancy_id=discrepancy.pk)
        ),
    )
    if done:
        return done
    return TemplateResponse(
        request,
        "controlled/discrepancy.html",
        {"discrepancy": discrepancy, "line": discrepancy.line, "form": form, "is_open": is_open},
    )


@permits(permissions.MANAGE_CASES, audit="controlled.cases")
def case_list(request: HttpRequest) -> HttpResponse:
    cases = list(cases_for_user(request.user).order_by("-discovered_at", "-pk")[:100])
    return TemplateResponse(
        request,
        "controlled/cases.html",
        {"cases": cases, "deadlines": case_deadlines([c for c in cases if not _done(c)])},
    )


def _done(case) -> bool:  # type: ignore[no-untyped-def]
    return case.notice_sent_at is not None and case.form_106_filed_at is not None


def _staff() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, staff_roles__isnull=False)
        .distinct()
        .order_by("last_name", "first_name")
    )


def _at_location(typed: dt.datetime, location: Location) -> dt.datetime:
    """The moment typed, read as the location's wall-clock time."""
    naive = typed if timezone.is_naive(typed) else timezone.make_naive(typed)
    return timezone.make_aware(naive, location.zone)


@permits(permissions.MANAGE_CASES, audit="controlled.case_form")
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    locations = work_locations(request.user)
    form = CaseForm(
        request.POST or None,
        locations=locations,
        staff=_staff(),
        initial={
            "discovered_by": request.user.pk,
            "discovered_at": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    done = submit_form(
        request,
        form,
        lambda data: case_open(
            location=data["location"],
            discovered_at=_at_location(data["discovered_at"], data["location"]),
            discovered_by=data["discovered_by"],
            description=data["description"],
            actor=request.user,
        ),
        then=lambda case: redirect("case_detail", case_id=case.pk),
    )
    if done:
        return done
    return TemplateResponse(
        request,
        "controlled/case_form.html",
        {"form": form},
    )


@permits(permissions.MANAGE_CASES, audit="controlled.case")
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for_user(request.user, case_id)
    form = Form106Form(request.POST if request.POST.get("step") == "form_106" else None)
    if request.method == "POST" and request.POST.get("step") == "notice":
        case_notice_sent(case=case, actor=request.user)
        return redirect("case_detail", case_id=case.pk)
    done = submit_form(
        request,
        form,
        lambda data: case_form_106_filed(
            case=case, reference=data["reference"], actor=request.user
        ),
        default_field="reference",
        then=lambda _: redirect("case_detail", case_id=case.pk),
    )
    if done:
        return done
    return TemplateResponse(
        request,
        "controlled/case.html",
        {
            "case": case,
            "deadlines": case_deadlines([case]),
            "form": form,
            "discrepancies": list(case.discrepancies.select_related("line__lot__product")),
        },
    )
