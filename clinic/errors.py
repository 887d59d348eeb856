"""The error pages (400, 403, 404, 500 and the expired-form 403).

They are rendered from memory only: no context processors, no user, no lookups. The
database may be what failed (a dropped connection mid-request), and an error page that
queries it fails in turn, leaving the user the server's bare 500.
"""

from __future__ import annotations

import contextlib

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    # The clinic's settings are on the request only when the middleware already loaded
    # them; an instance in memory needs no query to show its name.
    context = {"clinic": getattr(request, "clinic", None)}
    return HttpResponse(render_to_string(template, context), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "400.html", 400)


def _audit_refusal(request: HttpRequest) -> None:
    """A refused or not-found request of a signed-in user is a `denied` audit row, once:
    scoped lookups and the access decorators write theirs (and mark the work context); this
    catches the rest (a service's PermissionDenied, a lookup's Http404)."""
    from clinic.context import current

    if current().refusal_audited:
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    from clinic.audit import audit_record
    from clinic.choices import AuditAction

    match = getattr(request, "resolver_match", None)
    # The page must still show when the database is what failed.
    with contextlib.suppress(DatabaseError):
        audit_record(
            action=AuditAction.DENIED,
            object_type="page",
            object_id=(match.view_name if match else "")[:64],
        )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    _audit_refusal(request)
    return _error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if getattr(request, "resolver_match", None) is not None:
        _audit_refusal(request)  # a record asked for by a real page, not a stray URL
    return _error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(request, "500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(request, "403_csrf.html", 403)
