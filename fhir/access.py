"""The view rule of the API: the policy's own `AccessRule` and audit, answered in FHIR.

`clinic.access.permits` answers a refusal with an HTML page and a sign-in redirect; an API
client needs an `OperationOutcome` with the status instead (401 not signed in, 403 the
role may not, 404 out of scope or missing, with its one `denied` row). The rule is the
same `AccessRule` object, so the access-matrix test and the menus read it as for any page.

A request carrying `Authorization: Bearer <token>` is an API client's
(`fhir.clients.bearer`): the client stands in for `request.user`, the session is never
read, and its token's scopes must also name the resource type (403 otherwise).

Verbs: a read and a search answer GET; `[type]/_search` answers POST (a form-encoded
search, so that names and birth dates need not travel in a URL). The bulk export's status
URL also answers DELETE. Any other verb is a 405 OperationOutcome. A POST or DELETE from
a signed-in browser session must carry the CSRF token like any form (403
OperationOutcome without it); a bearer client's needs none (a browser never sends the
token on its own, so it cannot be ridden).

Two declarations, built from the same pieces: `api_permits` (one action of the policy
and the resource type it reads) and `api_signed_in` (every signed-in reader: a view
whose types are decided per type inside, the bulk export's). A refusal decided inside the
view is answered the same way: `NotVisible` from a scoped lookup is the 404 with its one
`denied` row, `PermissionDenied` the 403 with its one `denied` row, `BadSearch` a 400.

Audit: a read notes its resource as the request's subject through the scoped selector
(`clinic.context.note_subject`), like a page; a search notes its page of results
(`note_search`). After a successful read or search (200) the decorator writes exactly
one row: `view`, or the declared `audit_action` (an export file's `download`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from clinic.access import READING_ACTIONS, AccessRule, audit_refusal
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
# The verbs a browser may send cross-site on its own: every other one needs the CSRF token.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# `_format` values meaning JSON (a `+` in a query string arrives as a space).
_JSON_FORMATS = frozenset(
    {"json", "application/json", "application/fhir+json", "application/fhir json"}
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _wrong_verb(methods: tuple[str, ...]) -> HttpResponse:
    """405 naming the verbs the URL answers (`methods`)."""
    if methods == ("GET",):
        message = "The FHIR API is read-only: use GET, or POST a search to [type]/_search."
    elif methods == ("POST",):
        message = "Search with POST to [type]/_search (form-encoded), or with GET to [type]."
    else:
        message = f"Use {' or '.join(methods)} here."
    response = outcome(405, message)
    response["Allow"] = ", ".join(methods)
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
    """A session's POST or DELETE without its CSRF token: the check Django's middleware
    makes for every form, answered as an OperationOutcome."""
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    if check.process_view(request, None, (), {}) is None:
        return None
    if request.method == "POST":
        return outcome(403, "A search posted from a signed-in session needs the page's CSRF token.")
    return outcome(403, f"A {request.method} from a signed-in session needs the CSRF token.")


def _format_refused(request: HttpRequest) -> HttpResponse | None:
    """`_format` asking for anything but JSON (XML, Turtle): 406, not JSON anyway."""
    asked = request.GET.get("_format")
    if asked is None or asked.split(";")[0].strip().lower() in _JSON_FORMATS:
        return None
    return outcome(406, "This server answers in FHIR JSON only: use _format=json or leave it out.")


def _audit_page_refusal(request: HttpRequest) -> None:
    """The one `denied` row of a request the reader may not make (the page's name), as
    `clinic.access` writes it for a page."""
    audit_record(
        action=AuditAction.DENIED,
        object_type="page",
        object_id=(request.resolver_match.view_name if request.resolver_match else "")[:64],
    )


def api_permits(
    action: str, *, resource: str, method: str = "GET"
) -> Callable[[ViewFunc], ViewFunc]:
    """Declare the policy's action an API view needs, the resource type it reads (an API
    client's token must name it) and its one verb: answers and audit above."""
    rule = AccessRule(action=action)
    return _declare(
        rule,
        (method,),
        allows=lambda user: rule.allows(user) and may_read(user, resource),
        refusal=f"You may not read {resource} resources.",
    )


def api_signed_in(*methods: str, audit_action: str = "") -> Callable[[ViewFunc], ViewFunc]:
    """Declare an API view for every signed-in reader (a staff login or an API client)
    whose policy action is decided inside, per resource type (the bulk export: the types
    the reader may read, `fhir.bulk.kickoff.readable_types`), a refusal raised as
    `PermissionDenied` (403) or, from a scoped lookup, `NotVisible` (404).

    `methods`: the verbs it answers (a session's DELETE is CSRF-checked). `audit_action`:
    the one row a successful GET (200) writes from the subject its lookups noted (an
    export file's `download`); none when empty (the status URL shows no record). A
    kick-off declares `export` and answers 202: its row is written by the service with
    the job it starts (`fhir.bulk.services.export_start`), so the decorator adds none."""
    if audit_action and audit_action not in READING_ACTIONS:
        raise ValueError("A GET is audited as a view, a download or an export.")
    rule = AccessRule(
        any_signed_in=True,
        audit=bool(audit_action),
        audit_action=audit_action or AuditAction.VIEW,
    )
    return _declare(rule, methods, allows=rule.allows, refusal="You may not use this URL.")


def _declare(
    rule: AccessRule,
    methods: tuple[str, ...],
    *,
    allows: Callable[[Any], bool],
    refusal: str,
) -> Callable[[ViewFunc], ViewFunc]:
    def decorate(view: ViewFunc) -> ViewFunc:
        @csrf_exempt  # checked below for a session's POST or DELETE, never for a token
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refused = _refused(request, methods, allows, refusal)
            if refused is not None:
                return refused
            return _answer(view, rule, request, *args, **kwargs)

        wrapper.access_rule = rule  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _refused(
    request: HttpRequest,
    methods: tuple[str, ...],
    allows: Callable[[Any], bool],
    refusal: str,
) -> HttpResponse | None:
    """Who is asking (a bearer token or the session), a URL no record can have, whether
    they may, the format (`_format`), the verb, a readable body and the CSRF token, in
    that order: the first refusal, or None."""
    refused = bearer_sign_in(request)
    if refused is not None:
        return refused
    if not request.user.is_authenticated:
        return outcome(401, "Sign in to the clinic to use the FHIR API.")
    if _CONTROL.search(request.path):
        # Every audit row keeps the path, and a NUL byte cannot reach the database: no
        # record has such a name, so it is answered before any lookup or row.
        return outcome(404, "Nothing has that name: a URL holds no control characters.")
    if not allows(request.user):
        _audit_page_refusal(request)
        return outcome(403, refusal)
    # After the permission: a reader who may not is refused (and audited) whatever
    # format they ask for; only one who may is told the API answers JSON only.
    if (refused := _format_refused(request)) is not None:
        return refused
    if request.method not in methods:
        return _wrong_verb(methods)
    if request.method == "POST" and (refused := _unreadable_body(request)) is not None:
        return refused
    if request.method not in _SAFE_METHODS and bearer_token(request) is None:
        return _csrf_refused(request)
    return None


def _answer(
    view: ViewFunc, rule: AccessRule, request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponse:
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
    except PermissionDenied as refused:
        _audit_page_refusal(request)
        return outcome(403, str(refused) or "You may not do this.")
    except BadSearch as bad:
        return outcome(400, str(bad), expression=bad.parameter)
    if rule.audit and response.status_code == 200:
        _audit_read(rule.audit_action)
    return response


@csrf_exempt  # nothing is changed or read: a POST gets the same 404
def not_served(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other URL under the API's base, whatever the verb: a 404 OperationOutcome (a
    FHIR client reads the reason, not the site's HTML page). Nothing is looked up."""
    return outcome(
        404, "This FHIR server serves nothing at this URL: GET metadata lists what it serves."
    )


not_served.access_rule = AccessRule(public=True)  # type: ignore[attr-defined]


def public_api(view: ViewFunc) -> ViewFunc:
    """A view of the API anyone may call (the CapabilityStatement): no patient data."""
    rule = AccessRule(public=True)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in _READ_METHODS:
            return _wrong_verb(_READ_METHODS)
        return _format_refused(request) or view(request, *args, **kwargs)

    wrapper.access_rule = rule  # type: ignore[attr-defined]
    return wrapper


def _audit_read(action: str) -> None:
    """The one row of a read, a search page or a file (`action`: `view`, `download`): its
    first subject (a search notes one subject naming the page of results: see
    `fhir.selectors.note_search`), and one more per patient a search page disclosed."""
    subjects = current().subjects
    if not subjects:
        return
    first = subjects[0]
    audit_record(
        action=action,
        patient_id=first.patient_id,
        object_type=first.object_type,
        object_id=first.object_id,
    )
    audit_record_many(
        action=action,
        rows=[(owner, first.object_type, shown[:64]) for owner, shown in take_disclosures()],
    )
