"""The controlled-substance pages of a location: its stock, a lot's ledger, the receipt
form. Thin: parse, call one selector or service, render; every GET is audited by the
decorator (`@permits`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic import clock
from clinic.access import permits
from clinic.forms import attach_errors
from controlled.permissions import RECEIVE_STOCK, VIEW_LEDGER
from controlled.receipt_forms import ReceiptForm, ReceiptLineFormSet
from controlled.selectors.named_patients import named_patient_choices
from controlled.selectors.stock import (
    LedgerPaginator,
    entry_page,
    location_chosen,
    locations_for,
    lot_entries,
    lot_for_user,
    stock_at,
)
from controlled.services.receipts import ReceiptLine, receipt_record

ENTRIES_PER_PAGE = 50


@permits(VIEW_LEDGER, audit="controlled.stock")
@require_http_methods(["GET"])
def stock(request: HttpRequest) -> HttpResponse:
    location = location_chosen(request.user, request.GET.get("location"))
    include_empty = request.GET.get("all") == "1"
    today = timezone.localdate(clock.now())
    rows = stock_at(location, today=today, include_empty=include_empty) if location else []
    return TemplateResponse(
        request,
        "controlled/stock.html",
        {
            "location": location,
            "locations": locations_for(request.user),
            "rows": rows,
            "include_empty": include_empty,
            "today": today,
        },
    )


@permits(VIEW_LEDGER)
@require_http_methods(["GET"])
def lot_ledger(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = lot_for_user(request.user, lot_id)
    # In the order posted; the latest entries first shown (an inspector pages back), read
    # newest first. A link to one entry (`?entry=<id>`: "corrects #n") opens its page.
    paginator = LedgerPaginator(lot_entries(lot), ENTRIES_PER_PAGE)
    wanted = entry_page(lot, request.GET.get("entry", ""), ENTRIES_PER_PAGE)
    page = paginator.get_page(wanted or request.GET.get("page") or paginator.num_pages)
    return TemplateResponse(request, "controlled/lot.html", {"lot": lot, "page": page})


def _lines(formset: ReceiptLineFormSet) -> list[tuple[int, ReceiptLine]]:
    return [
        (
            index,
            ReceiptLine(
                product=form.cleaned_data["product"],
                lot_number=form.cleaned_data["lot_number"],
                expires_on=form.cleaned_data["expires_on"],
                containers=form.cleaned_data["containers"],
                named_patient=form.cleaned_data.get("named_patient"),
            ),
        )
        for index, form in enumerate(formset.forms)
        if form.has_changed() and form.cleaned_data
    ]


def _attach(form: ReceiptForm, formset: ReceiptLineFormSet, lines, error: ValidationError) -> None:
    """The service names a line's field "line-<n>-<field>" (n counts the lines sent): put
    it next to that field of the line typed."""
    if not hasattr(error, "error_dict"):
        attach_errors(form, error)
        return
    header = {}
    for key, problems in error.message_dict.items():
        parts = key.split("-", 2)
        if parts[0] == "line" and len(parts) == 3 and parts[1].isdigit():
            index = lines[int(parts[1])][0]
            line_form = formset.forms[index]
            field = parts[2] if parts[2] in line_form.fields else None
            line_form.add_error(field, problems)
        else:
            header[key] = problems
    if header:
        attach_errors(form, ValidationError(header))


@permits(RECEIVE_STOCK, audit="controlled.receipt_form")
@require_http_methods(["GET", "POST"])
def receipt_new(request: HttpRequest) -> HttpResponse:
    location = location_chosen(request.user, request.GET.get("location"))
    patients = named_patient_choices(request.user, location)
    data = request.POST if request.method == "POST" else None
    form = ReceiptForm(data, initial={"received_on": timezone.localdate(clock.now())})
    formset = ReceiptLineFormSet(data, prefix="line", form_kwargs={"patients": patients})
    if data is not None and location is not None and form.is_valid() and formset.is_valid():
        lines = _lines(formset)
        try:
            receipt = receipt_record(
                location=location,
                lines=[line for _index, line in lines],
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _attach(form, formset, lines, error)
        else:
            lines_text = "1 line" if len(lines) == 1 else f"{len(lines)} lines"
            messages.success(
                request,
                f"Receipt {receipt.invoice_number} recorded: {lines_text} added to the stock "
                f"of {location.name}.",
            )
            return redirect(f"{reverse('controlled_stock')}?location={location.pk}")
    return TemplateResponse(
        request,
        "controlled/receipt.html",
        {
            "form": form,
            "formset": formset,
            "location": location,
            "locations": locations_for(request.user),
        },
    )
