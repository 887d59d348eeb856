"""Who may use the export URLs, answered in FHIR: an API client by its bearer token (its
rate limit applies), or a signed-in staff login (session cookie). Not signed in: 401.
Which types the reader may export, and whose job a status or file URL is, the views
decide (`fhir.bulk.kickoff`, `fhir.bulk.views._own_job`), each refusal an
OperationOutcome with one `denied` audit row.

CSRF: a bearer token is never sent by a browser on its own, so a client's request needs
no CSRF token. A session's `DELETE` is CSRF-checked like any form; a session's kick-off
is a GET that must carry `Prefer: respond-async`, a header no cross-site page can send
without the browser asking first (and this server does not answer CORS)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from clinic.access import AccessRule
from clinic.audit import audit_record
from clinic.choices import AuditAction
from fhir.bulk.kickoff import ExportRefused
from fhir.clients.bearer import bearer_sign_in, bearer_token
from fhir.responses import outcome

ViewFunc = Callable[..., HttpResponse]


def bulk_api(*methods: str, audit_action: str = "") -> Callable[[ViewFunc], ViewFunc]:
    """`audit_action`: the row a successful GET writes (the views write it: a kick-off
    `export`, a file `download`); none for the status URL, which shows no record."""
    rule = AccessRule(
        any_signed_in=True, audit=bool(audit_action), audit_action=audit_action or "view"
    )

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except ExportRefused as refused:
                if refused.status in (403, 404):
                    audit_record(
                        action=AuditAction.DENIED,
                        object_type="fhir.export",
                        object_id=request.path[-64:],
                    )
                return outcome(refused.status, refused.message, expression=refused.parameter)

        checked = csrf_protect(answer)

        @csrf_exempt  # checked below for a session (csrf_protect), never for a token
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = outcome(405, f"Use {' or '.join(methods)} here.")
                response["Allow"] = ", ".join(methods)
                return response
            bearer = bearer_token(request) is not None
            refused = bearer_sign_in(request)
            if refused is not None:
                return refused
            if not request.user.is_authenticated:
                return outcome(401, "Sign in to the clinic, or send a bearer token.")
            return (answer if bearer else checked)(request, *args, **kwargs)

        wrapper.access_rule = rule  # type: ignore[attr-defined]
        return wrapper

    return decorate
