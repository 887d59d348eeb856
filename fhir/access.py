"""The view rule of the API: the policy's own `AccessRule` and audit, answered in FHIR.

`clinic.access.permits` answers a refusal with an HTML page and a sign-in redirect; an API
client needs an `OperationOutcome` with the status instead (401 not signed in, 403 the
role may not, 404 out of scope or missing, with its one `denied` row). The rule is the
same `AccessRule` object, so the access-matrix test and the menus read it as for any page.

A request carrying `Authorization: Bearer <token>` is an API client's
(`fhir.clients.bearer`): the client stands in for `request.user`, the session is never
read, and its token's scopes must also name the resource type (403 otherwise).

Verbs: a read and a search answer GET; `[type]/_search` answers POST (a form-encoded
search, so that names and birth dates need not travel in a URL). Any other verb is a
405 OperationOutcome. A POST from a signed-in browser session must carry the CSRF token
like any form (403 OperationOutcome without it); a bearer client's POST needs none (a
browser never sends the token on its own, so it cannot be ridden).

Audit: a read notes its resource as the request's subject through the scoped selector
(`clinic.context.note_subject`), like a page; a search notes its page of results
(`note_search`). After a successful read or search the decorator writes exactly one
`view` row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from clinic.access import AccessRule, audit_refusal
from clinic.audit import audit_record, audit_record_many
from clinic.choices import AuditAction
from clinic.context import current
from clinic.policy import NotVisible
from fhir.clients.bearer import bearer_sign_in, bearer_token
from fhir.clients.principal import may_read
from fhir.params import BadSearch, is_resource_id
from fhir.responses import outcome
from fhir.selectors.paging import take_disclosures

ViewFunc = Callable[..., HttpResponse]
# Every answer with data is a GET (or the POST of `[type]/_search`), and each is audited.
_READ_METHODS = ("GET",)


def _wrong_verb(method: str) -> HttpResponse:
    """405 naming the one verb the URL answers (`method`)."""
    if method == "GET":
        message = "The FHIR API is read-only: use GET, or POST a search to [type]/_search."
    else:
        message = "Search with POST to [type]/_search (form-encoded), or with GET to [type]."
    response = outcome(405, message)
    response["Allow"] = method
    return response


def _unreadable_body(request: HttpRequest) -> HttpResponse | None:
    """A POST body over Django's limits (DATA_UPLOAD_MAX_MEMORY_SIZE, ..._NUMBER_FIELDS):
    parsed here, so the refusal is an OperationOutcome rather than the site's HTML page."""
    try:
        request.POST  # noqa: B018  (parsed once; the search reads it again below)
    except (RequestDataTooBig, TooManyFieldsSent):
        return outcome(400, "The search's body is too large: send fewer and shorter parameters.")
    return None


def _csrf_refused(request: HttpRequest) -> HttpResponse | None:
    """A session's POST without its CSRF token: the check Django's middleware makes for
    every form, answered as an OperationOutcome."""
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    if check.process_view(request, None, (), {}) is None:
        return None
    return outcome(403, "A search posted from a signed-in session needs the page's CSRF token.")


def api_permits(
    action: str, *, resource: str, method: str = "GET"
) -> Callable[[ViewFunc], ViewFunc]:
    """Declare the policy's action an API view needs, the resource type it reads (an API
    client's token must name it) and its one verb: answers and audit above."""
    rule = AccessRule(action=action)

    def decorate(view: ViewFunc) -> ViewFunc:
        @csrf_exempt  # checked below for a session's POST, never needed for a bearer token
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refused = bearer_sign_in(request)
            if refused is not None:
                return refused
            if not request.user.is_authenticated:
                return outcome(401, "Sign in to the clinic to use the FHIR API.")
            if not (rule.allows(request.user) and may_read(request.user, resource)):
                audit_record(
                    action=AuditAction.DENIED,
                    object_type="page",
                    object_id=request.resolver_match.view_name if request.resolver_match else "",
                )
                return outcome(403, f"You may not read {resource} resources.")
            if request.method != method:
                return _wrong_verb(method)
            if method == "POST" and (refused := _unreadable_body(request)) is not None:
                return refused
            if method == "POST" and bearer_token(request) is None:
                refused = _csrf_refused(request)
                if refused is not None:
                    return refused
            return _answer(view, request, *args, **kwargs)

        wrapper.access_rule = rule  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _answer(view: ViewFunc, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    resource_id = kwargs.get("resource_id")
    if resource_id is not None and not is_resource_id(resource_id):
        # No row can have it: answered before any lookup or audit row (a NUL byte or a
        # control character must never reach the database).
        return outcome(
            404, "No resource has that id: an id is letters, digits, '-' and '.' (at most 64)."
        )
    take_disclosures()  # nothing left from an earlier request on this thread
    try:
        response = view(request, *args, **kwargs)
    except NotVisible as refused:
        audit_refusal(refused)
        kind = refused.object_type.removeprefix("fhir.")
        return outcome(404, f"{kind} {refused.object_id} was not found.")
    except BadSearch as bad:
        return outcome(400, str(bad), expression=bad.parameter)
    if response.status_code == 200:
        _audit_read()
    return response


def public_api(view: ViewFunc) -> ViewFunc:
    """A view of the API anyone may call (the CapabilityStatement): no patient data."""
    rule = AccessRule(public=True)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in _READ_METHODS:
            return _wrong_verb("GET")
        return view(request, *args, **kwargs)

    wrapper.access_rule = rule  # type: ignore[attr-defined]
    return wrapper


def _audit_read() -> None:
    """The one `view` row of a read or a search page: its first subject (a search notes
    one subject naming the page of results: see `fhir.selectors.note_search`)."""
    subjects = current().subjects
    if not subjects:
        return
    first = subjects[0]
    audit_record(
        action=AuditAction.VIEW,
        patient_id=first.patient_id,
        object_type=first.object_type,
        object_id=first.object_id,
    )
    audit_record_many(
        action=AuditAction.VIEW,
        rows=[(owner, first.object_type, shown[:64]) for owner, shown in take_disclosures()],
    )
