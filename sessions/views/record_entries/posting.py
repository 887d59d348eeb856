"""An entry posted: its form bound to the POST, validated and handed to its one
service; on a problem the form is kept to be shown again with its errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from clinic.forms import attach_errors

Forms = dict[str, Any]


def bound(form_class: type, request: HttpRequest, **kwargs: Any) -> Any:
    return form_class(request.POST, **kwargs)


def submit(
    forms: Forms,
    key: str,
    form: Any,
    save: Callable[[Any], object],
    *,
    default_field: str | None = None,
) -> bool:
    """Validate the form and call its service. On any problem the form stays in `forms`
    and is shown again with the errors next to its fields and what was typed; after a
    successful save it is dropped, so the block comes back empty."""
    forms[key] = form
    if not form.is_valid():
        return False
    try:
        save(form)
    except ValidationError as error:
        attach_errors(form, error, default_field=default_field)
        return False
    forms.pop(key)
    return True
