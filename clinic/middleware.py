"""Request-level policies: request ids, session timeouts, second factor, clinic time,
and no caching of pages that may hold patient data."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from clinic.context import work_context
from clinic.selectors import request_clinic_settings

Handler = Callable[[HttpRequest], HttpResponse]

SESSION_LAST_SEEN = "clinic_last_seen"
SESSION_PENDING_POST = "clinic_pending_post"
PENDING_POST_MAX_AGE = 12 * 60 * 60
SESSION_STARTED = "clinic_started"
_LAST_SEEN_GRANULARITY = 30
# A UUID, or 16 to 64 hex digits: what proxies generate, and nothing a client can use
# to write its own text into the audit trail.
_REQUEST_ID = re.compile(
    r"^(?:[0-9a-f]{16,64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
    re.IGNORECASE,
)


class RequestIdMiddleware:
    """Give every request an id and open its work context (`clinic.context`): the facts
    every audit row of the request carries, so services never see the request.

    An incoming `X-Request-ID` is kept only when the deployment says a proxy in front sets
    it (`TRUST_REQUEST_ID_HEADER`) and it is well formed; otherwise a client could choose
    what the audit rows say. REMOTE_ADDR is set by the WSGI server; a client-supplied
    X-Forwarded-For is never trusted here."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        trusted = settings.TRUST_REQUEST_ID_HEADER and _REQUEST_ID.match(incoming)
        request.request_id = incoming.lower() if trusted else uuid.uuid4().hex
        with work_context(
            source="web",
            ip_address=request.META.get("REMOTE_ADDR") or None,
            request_id=request.request_id,
            path=request.path[:300],
            user_agent=request.headers.get("User-Agent", "")[:300],
            user_getter=lambda: getattr(request, "user", None),
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


def _is_exempt(path: str) -> bool:
    return path.startswith(settings.STATIC_URL) or path == "/healthz"


def carries_bearer_token(request: HttpRequest) -> bool:
    """A request authenticated by `Authorization: Bearer …` (an API client, RFC 6750):
    the token alone says who it is, so a session cookie sent along is neither read nor
    kept alive by it: the request is anonymous until the API signs its token in
    (`fhir.clients.bearer`), and any other page answers it as not signed in."""
    scheme, _, _ = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer"


class SessionTimeoutMiddleware:
    """Sign out after 15 idle minutes (staff) or 30 (patients), and after 12 hours at most."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if carries_bearer_token(request):
            # Neither read nor extended: an API call must not keep a browser session
            # alive (nor sign it out) behind its user's back, nor ride on it.
            request.user = AnonymousUser()
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not _is_exempt(request.path):
            now = time.time()
            idle_limit = (
                settings.CLINIC_IDLE_TIMEOUT_PATIENT
                if user.is_patient_account
                else settings.CLINIC_IDLE_TIMEOUT_STAFF
            ).total_seconds()
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            started = request.session.setdefault(SESSION_STARTED, now)
            reason = ""
            if now - last_seen > idle_limit:
                reason = "idle"
            elif now - started > settings.CLINIC_SESSION_MAX_AGE.total_seconds():
                reason = "expired"
            if reason:
                pending = _pending_post(request) if request.method == "POST" else None
                logout(request)
                params = {"signed_out": reason}
                if pending is not None:
                    # Keep what was typed (server-side, for this user and page only) so the
                    # form can show it again after signing back in (intake spec §1).
                    request.session[SESSION_PENDING_POST] = pending
                    params["next"] = pending["path"]
                target = reverse("login") + "?" + urlencode(params)
                if request.headers.get("HX-Request") == "true":
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
            if (
                now - last_seen >= _LAST_SEEN_GRANULARITY
                or SESSION_LAST_SEEN not in request.session
            ):
                # Writing the session on every request would cost a query per page; a
                # timestamp at most 30 s old only ever makes the idle limit stricter.
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def _pending_post(request: HttpRequest) -> dict[str, object]:
    return {
        "user": request.user.pk,
        "path": request.path,
        "at": time.time(),
        "data": {
            key: request.POST.getlist(key)
            for key in request.POST
            # Never a password (sessions sit in the database and its backups).
            if key not in ("csrfmiddlewaretoken", "save_and_exit") and "password" not in key
        },
    }


def take_pending_post(request: HttpRequest) -> QueryDict | None:
    """Form data typed just before an idle sign-out, for the same user and page, once."""
    pending = request.session.get(SESSION_PENDING_POST)
    if not pending or pending.get("path") != request.path:
        return None
    del request.session[SESSION_PENDING_POST]
    if pending.get("user") != request.user.pk or time.time() - pending["at"] > PENDING_POST_MAX_AGE:
        return None
    data = QueryDict(mutable=True)
    for key, values in pending["data"].items():
        data.setlist(key, values)
    return data


# Pages a staff member may open before the second factor is verified.
_SECOND_FACTOR_OPEN = frozenset(
    {"mfa_verify", "mfa_setup", "mfa_link_request", "mfa_enroll_link", "logout"}
)


class SecondFactorMiddleware:
    """Staff must pass TOTP when the deployment requires it or when they have enrolled."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_patient_account
            and not user.is_verified()
            and not _is_exempt(request.path)
        ):
            from clinic.auth import has_confirmed_device

            enrolled = has_confirmed_device(user)
            if enrolled or settings.CLINIC_REQUIRE_MFA:
                target = "mfa_verify" if enrolled else "mfa_setup"
                try:
                    url_name = resolve(request.path_info).url_name
                except Resolver404:
                    url_name = None
                if url_name not in _SECOND_FACTOR_OPEN:
                    return HttpResponseRedirect(
                        reverse(target) + "?" + urlencode({"next": request.get_full_path()})
                    )
        return self.get_response(request)


class ClinicTimezoneMiddleware:
    """Show times in the clinic's stored time zone; everything is stored in UTC."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_exempt(request.path):
            return self.get_response(request)
        with request_clinic_settings() as clinic:
            request.clinic = clinic
            timezone.activate(clinic.zone)
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()


class NoStoreMiddleware:
    """No dynamic response is cached anywhere unless its view says otherwise.

    Pages, feeds and invitation links may carry patient data whoever asks (a calendar
    feed's token is its credential), so no-store is the default for every response. A view
    opts out by setting its own `Cache-Control` (Django's `cache_control` decorator);
    static files are served by WhiteNoise before this runs, with their own caching.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response


class ServerTimingMiddleware:
    """With SERVER_TIMING on (benchmarks only), each response says how long the server
    took and how many database queries it ran: `Server-Timing: app;dur=…, db;dur=…` and
    `X-Query-Count`. Off in production: timings help an attacker."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.db import connection

        queries = 0
        db_seconds = 0.0

        def count(execute: Callable, sql: str, params: object, many: bool, context: object):
            nonlocal queries, db_seconds
            queries += 1
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                db_seconds += time.perf_counter() - started

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        total = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={total:.2f}, db;dur={db_seconds * 1000:.2f}"
        response["X-Query-Count"] = str(queries)
        return response
