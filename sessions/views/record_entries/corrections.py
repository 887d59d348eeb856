"""Corrections of a record: an addendum, and an entry marked entered in error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from clinic.forms import attach_errors
from sessions.forms.records import AddendumForm, EnteredInErrorForm
from sessions.models import AdverseEvent, DeviceDose, TreatmentSession, VitalReading
from sessions.services import corrections
from sessions.views.record_entries.posting import Forms, bound, submit


def _addendum(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    entries = (
        corrections.correctable_entries(session, request.user) if session.nurse_signed_at else {}
    )
    submit(
        forms,
        "addendum",
        bound(AddendumForm, request, prefix="addendum", entries=entries),
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
    "addendum": _addendum,
    "in-error": _in_error,
}
