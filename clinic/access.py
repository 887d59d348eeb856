"""Who may use which view, scoped lookups of patient data, and the page-view audit.

Every view declares its rule with one of the decorators below; a test walks all URL
patterns and fails for a view without one (tests/clinic/test_access_matrix.py). Who holds
an action is answered by the one access policy (`clinic.policy`).

Patient data is only ever fetched through scoped lookups (`patient_for_user` here and the
`*_for_user` selectors of each app): out of the user's scope they raise `NotVisible`, a
domain error with no HTTP in it. The view decorator turns it into the 404 page and one
`denied` audit row, and writes the page's one `view` row after a successful GET from
what the lookups found (`clinic.context.note_subject`) — so no view writes either by
hand, and a view cannot show a patient's record without its audit row. The row names the
first record the lookups found, unless the view names the page's subject itself
(`note_subject(..., page=True)`: an intake page shows one step of the patient's intake, not the
patient record it looked up). A page polled every few seconds (the nurse board) declares
how often it is audited (`audit_every`): one row per viewer per window. A download says
which row it writes instead of `view` (`audit_action=AuditAction.DOWNLOAD`, or `EXPORT`
for a report): the decorator writes that one row when the file is served, none when the
request is refused or the download is not there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any, NamedTuple

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache as shared_cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, get_resolver

from clinic import policy
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.context import current
from clinic.models import Patient
from clinic.policy import NotVisible

ViewFunc = Callable[..., HttpResponse]
# `audit=True`: write the page's view row from what its scoped lookups found (nothing
# found, no row). A string names the page (a list, a calendar day) for the row instead.
# `audit=False`: no row at all (a status fragment polled while a document renders).
Audit = bool | str
# What a successful GET's row says happened: a page is viewed; a file is downloaded
# (`download`) or a report exported (`export`).
READING_ACTIONS = frozenset({AuditAction.VIEW, AuditAction.DOWNLOAD, AuditAction.EXPORT})


@dataclass(frozen=True)
class AccessRule:
    """The declared rule of one view: an action of the policy, or public / any signed-in."""

    action: str = ""
    public: bool = False  # no sign-in needed (login, password reset, health check)
    any_signed_in: bool = False  # every signed-in user (logout, own account pages)
    audit: Audit = True
    audit_action: str = AuditAction.VIEW
    # A page polled every few seconds: at most one view row per viewer (and sign-in) in
    # this many seconds, shared by every view of the same `audit` name (0: every GET).
    audit_every: int = 0
    # The page a viewer opens (not its polled part) always writes its row and starts a
    # new window.
    audit_renews: bool = False

    @property
    def roles(self) -> frozenset[str]:
        return policy.permission(self.action).roles if self.action else frozenset()

    def allows(self, user: Any) -> bool:
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        if self.any_signed_in:
            return True
        return policy.may(user, self.action)


def _attach(view: ViewFunc, rule: AccessRule) -> ViewFunc:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if rule.public:
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not rule.allows(request.user):
            audit_record(
                action=AuditAction.DENIED,
                object_type="page",
                object_id=(request.resolver_match.view_name if request.resolver_match else ""),
            )
            return TemplateResponse(request, "403.html", status=403)
        try:
            response = view(request, *args, **kwargs)
        except NotVisible as refused:
            audit_refusal(refused)
            return TemplateResponse(request, refused.page, status=404)
        if (
            rule.audit
            and request.method == "GET"
            and response.status_code == 200
            and _audit_due(request, rule)
        ):
            _audit_page_view(rule.audit, rule.audit_action)
        return response

    wrapper.access_rule = rule  # type: ignore[attr-defined]
    return wrapper


def audit_refusal(refused: NotVisible) -> None:
    """The one `denied` row of a record the user may not see (the error page adds none)."""
    pk = refused.patient_id
    known = pk is not None and str(pk).isdigit() and Patient.objects.filter(pk=int(pk)).exists()
    audit_record(
        action=AuditAction.DENIED,
        patient_id=int(pk) if known else None,
        object_type=refused.object_type,
        object_id=str(refused.object_id)[:64],
    )


def _audit_due(request: HttpRequest, rule: AccessRule) -> bool:
    """Whether this GET writes the page's view row. A throttled page (`audit_every`)
    writes one per viewer and sign-in per window, not one per refresh, so the trail stays
    readable. The window is kept in the cache, not the session, so a poll never writes to
    the database just to remember it (Redis when REDIS_URL is set, so every server
    process shares the window; the embedded demo is one process)."""
    if not rule.audit_every:
        return True
    key = f"page-audited:{rule.audit}:{request.user.pk}:{request.session.session_key}"
    if rule.audit_renews:
        shared_cache.set(key, True, rule.audit_every)
        return True
    return shared_cache.add(key, True, rule.audit_every)


def _audit_page_view(audit: Audit, action: str) -> None:
    """One row per page (`view`, or a download's `download`/`export`): the first record
    its scoped lookups found, named as the page declares (a string) or as the record's own
    type."""
    subjects = current().subjects
    if not subjects and not isinstance(audit, str):
        return
    first = subjects[0] if subjects else None
    audit_record(
        action=action,
        patient_id=first.patient_id if first else None,
        object_type=audit if isinstance(audit, str) else first.object_type,
        object_id=first.object_id if first else "",
    )


def permits(
    action: str,
    *,
    audit: Audit = True,
    audit_action: str = AuditAction.VIEW,
    audit_every: int = 0,
    audit_renews: bool = False,
) -> Callable[[ViewFunc], ViewFunc]:
    """Declare the action of the policy (`clinic.policy`) a view needs, and how its GET is
    audited: `audit` (above); `audit_action`, what the row says happened (a download's
    `download`, a report's `export`); `audit_every` seconds, at most one row per viewer
    for a polled page named by `audit`; `audit_renews` for the page that is opened (always
    one row, and a new window for its polled part)."""
    if (audit_every or audit_renews) and not (isinstance(audit, str) and audit_every > 0):
        raise ValueError("A throttled page audit needs a page name and a window in seconds.")
    if audit_action not in READING_ACTIONS or (audit_action != AuditAction.VIEW and not audit):
        raise ValueError("A GET is audited as a view, a download or an export, with a row.")
    rule = AccessRule(
        action=action,
        audit=audit,
        audit_action=audit_action,
        audit_every=audit_every,
        audit_renews=audit_renews,
    )
    return lambda view: _attach(view, rule)


def public(view: ViewFunc) -> ViewFunc:
    """Declare a view that needs no sign-in. It must show no patient data."""
    return _attach(view, AccessRule(public=True))


def signed_in(view: ViewFunc | None = None, *, audit: Audit = True) -> Any:
    """Declare a view for every signed-in user, whatever their role."""
    rule = AccessRule(any_signed_in=True, audit=audit)
    if view is None:
        return lambda inner: _attach(inner, rule)
    return _attach(view, rule)


def rule_of(view: Any) -> AccessRule | None:
    """The declared rule of a resolved view (function or class-based), if any."""
    rule = getattr(view, "access_rule", None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, "access_rule", None)
    if rule is None:
        # Django admin URLs call AdminSite.admin_view at request time, which enforces
        # the site's rule (clinic.admin.ClinicAdminSite) for every admin page.
        model_admin = getattr(view, "model_admin", None)
        site = getattr(view, "admin_site", None) or getattr(model_admin, "admin_site", None)
        rule = getattr(site, "access_rule", None)
    return rule


class UrlView(NamedTuple):
    """One URL pattern of the project: `namespace:name` (an unnamed one, its route), its
    view, and whether the pattern has a name."""

    name: str
    view: Any
    named: bool


@cache
def url_views() -> tuple[UrlView, ...]:
    """Every URL pattern of the project in URLconf order: the one walk of the URLconf
    (the menus through `page_rule`, and the access-matrix test, read it)."""

    def walk(patterns: list[Any], route: str = "", namespace: str = "") -> Iterator[UrlView]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, route + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                if entry.name:
                    yield UrlView(f"{namespace}{entry.name}", entry.callback, True)
                else:
                    yield UrlView(f"{route}{entry.pattern}", entry.callback, False)

    return tuple(walk(get_resolver().url_patterns))


@cache
def views_by_name() -> dict[str, Any]:
    """The view of each named page (of two patterns with one name, the first)."""
    found: dict[str, Any] = {}
    for entry in url_views():
        if entry.named:
            found.setdefault(entry.name, entry.view)
    return found


def page_rule(url_name: str) -> AccessRule | None:
    """The declared rule of a named page (the URLconf is read once per process). Menus
    and links ask it, so a link shows exactly when its page lets the user in; None when
    no page has the name (a feature app that is not installed)."""
    view = views_by_name().get(url_name)
    return rule_of(view) if view is not None else None


def page_allows(user: Any, url_name: str) -> bool:
    """Whether `user` may open the named page (its own rule decides)."""
    rule = page_rule(url_name)
    return rule is not None and not rule.public and rule.allows(user)
