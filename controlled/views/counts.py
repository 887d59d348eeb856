"""Counts, inventories and destructions: the manager's pages. The count form is blind
(the expected balance appears only on the result, after signing)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic import clock
from clinic.access import permits
from clinic.models import User
from clinic.policy import holders, may
from clinic.posting import submit_form
from clinic.selectors import work_locations
from controlled import permissions
from controlled.choices import CountPurpose
from controlled.forms import CountForm, DestructionForm
from controlled.selectors.inventories import inventory_due
from controlled.selectors.locations import location_for_user
from controlled.selectors.records import (
    count_for_user,
    count_lines,
    counts_of,
    latest_count_id,
)
from controlled.services.counts import CountedLot, count_submit, countable_lots, purpose_problem
from controlled.services.destruction import DestroyedLot, Witness, destruction_record

PURPOSE_CODES = {
    "count": CountPurpose.COUNT,
    "initial": CountPurpose.INITIAL,
    "biennial": CountPurpose.BIENNIAL,
}


@permits(permissions.COUNT_STOCK, audit="controlled.counts")
def counts_overview(request: HttpRequest) -> HttpResponse:
    """Each location's inventory status, its recent counts, and the buttons to count."""
    locations = list(work_locations(request.user))
    return TemplateResponse(
        request,
        "controlled/counts.html",
        {
            "statuses": inventory_due(locations),
            "counts": counts_of(request.user),
            "may_destroy": may(request.user, permissions.DESTROY_STOCK),
        },
    )


@permits(permissions.COUNT_STOCK, audit="controlled.count_form")
@require_http_methods(["GET", "POST"])
def count_new(request: HttpRequest, location_id: int, purpose: str) -> HttpResponse:
    location = location_for_user(request.user, location_id)
    purpose = PURPOSE_CODES.get(purpose, "")
    if not purpose:
        return redirect("controlled_counts")
    problem = purpose_problem(location, purpose)
    lots = list(countable_lots(location))
    inventory = purpose != CountPurpose.COUNT
    form = CountForm(
        request.POST or None,
        lots=lots,
        inventory=inventory,
        initial={"last_count": latest_count_id(location)},
    )
    done = None
    if not problem:
        done = submit_form(
            request,
            form,
            lambda data: count_submit(
                location=location,
                purpose=purpose,
                business_time=data.get("business_time", ""),
                lines=[
                    CountedLot(lot.pk, data[f"full_{lot.pk}"], form.opened(lot)) for lot in lots
                ],
                password=data["password"],
                note=data["note"],
                actor=request.user,
                last_count_seen=form.last_count_seen(),
            ),
            then=lambda count: redirect("count_result", count_id=count.pk),
        )
    if done:
        return done
    return TemplateResponse(
        request,
        "controlled/count_form.html",
        {
            "location": location,
            "purpose": CountPurpose(purpose),
            "inventory": inventory,
            "problem": problem,
            "form": form,
            "today": clock.localdate(location.zone),
        },
    )


@permits(permissions.COUNT_STOCK, audit="controlled.count")
def count_result(request: HttpRequest, count_id: int) -> HttpResponse:
    count = count_for_user(request.user, count_id)
    lines = count_lines(count)
    return TemplateResponse(
        request,
        "controlled/count_result.html",
        {
            "count": count,
            "lines": lines,
            "differences": sum(1 for line in lines if line.difference),
            "may_download": may(request.user, permissions.READ_REPORTS),
        },
    )


def _witnesses(actor: User) -> QuerySet[User]:
    """Staff who may witness (the policy's roles), other than the person destroying."""
    return holders(permissions.WITNESS).exclude(pk=actor.pk).order_by("last_name", "first_name")


@permits(permissions.DESTROY_STOCK, audit="controlled.destruction_form")
@require_http_methods(["GET", "POST"])
def destruction_new(request: HttpRequest, location_id: int) -> HttpResponse:
    location = location_for_user(request.user, location_id)
    lots = [lot for lot in countable_lots(location) if lot.balance_units > 0]
    form = DestructionForm(
        request.POST or None,
        lots=lots,
        witnesses=_witnesses(request.user),
        initial={"destroyed_on": clock.localdate(location.zone)},
    )
    done = submit_form(
        request,
        form,
        lambda data: destruction_record(
            location=location,
            reason=data["reason"],
            method=data["method"],
            destroyed_on=data["destroyed_on"],
            lines=[
                DestroyedLot(lot.pk, data[f"units_{lot.pk}"], data[f"containers_{lot.pk}"])
                for lot in lots
                if data.get(f"units_{lot.pk}")
            ],
            first=Witness(data["first_witness"], data["first_password"]),
            second=Witness(data["second_witness"], data["second_password"]),
            note=data["note"],
            actor=request.user,
        ),
        then=lambda destruction: TemplateResponse(
            request,
            "controlled/destruction_done.html",
            {
                "destruction": destruction,
                "may_download": may(request.user, permissions.READ_REPORTS),
            },
        ),
    )
    if done:
        return done
    return TemplateResponse(
        request,
        "controlled/destruction_form.html",
        {"location": location, "form": form},
    )
