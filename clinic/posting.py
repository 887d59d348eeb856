"""The one shape of a form POST: validate → call the service → put its errors next to
their fields → say what happened → go on.

A view builds its form, then hands it here with what to do when it is valid:

    done = submit_form(
        request,
        form,
        lambda data: services.patient_set_care_team(patient=patient, actor=request.user, **data),
        success="Care team saved.",
        then=lambda _: redirect("patient_detail", patient_id=patient.pk),
    )
    if done:
        return done
    return TemplateResponse(request, "clinic/patient_care_team.html", {"form": form, ...})

`None` means "show the page again": the form holds the field errors and everything the
user typed, and nothing was saved (the service runs in its own transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from clinic.forms import attach_errors

Result = TypeVar("Result")


def submit_form(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[dict[str, Any]], Result],
    *,
    then: Callable[[Result], HttpResponse],
    success: str | Callable[[Result], str] = "",
    default_field: str | None = None,
) -> HttpResponse | None:
    """Run `write(form.cleaned_data)` for a valid POSTed form and answer `then(result)`;
    `None` when the form must be shown again (not a POST, invalid, or refused)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = write(form.cleaned_data)
    except ValidationError as error:
        attach_errors(form, error, default_field=default_field)
        return None
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return then(result)
