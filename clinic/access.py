"""Who may use which view, scoped lookups of patient data, and the page-view audit.

Every view declares its rule with one of the decorators below; a test walks all URL
patterns and fails for a view without one (tests/clinic/test_access_matrix.py). Who holds
an action is answered by the one access policy (`clinic.policy`).

Patient data is only ever fetched through scoped lookups (`patient_for_user` here and the
`*_for_user` selectors of each app): out of the user's scope they raise `NotVisible`, a
domain error with no HTTP in it. The view decorator turns it into the 404 page and one
`denied` audit row, and writes the page's one `view` row after a successful GET from
what the lookups found (`clinic.context.note_subject`) — so no view writes either by
hand, and a view cannot show a patient's record without its audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
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
# `audit=False` only for views that audit themselves: downloads (a `download` row) and the
# nurse board's throttled row.
Audit = bool | str


@dataclass(frozen=True)
class AccessRule:
    """The declared rule of one view: an action of the policy, or public / any signed-in."""

    action: str = ""
    public: bool = False  # no sign-in needed (login, password reset, health check)
    any_signed_in: bool = False  # every signed-in user (logout, own account pages)
    audit: Audit = True

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
        if rule.audit and request.method == "GET" and response.status_code == 200:
            _audit_page_view(rule.audit)
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


def _audit_page_view(audit: Audit) -> None:
    """One `view` row per page: the first record its scoped lookups found, named as the
    page declares (a string) or as the record's own type."""
    subjects = current().subjects
    if not subjects and not isinstance(audit, str):
        return
    first = subjects[0] if subjects else None
    audit_record(
        action=AuditAction.VIEW,
        patient_id=first.patient_id if first else None,
        object_type=audit if isinstance(audit, str) else first.object_type,
        object_id=first.object_id if first else "",
    )


def permits(action: str, *, audit: Audit = True) -> Callable[[ViewFunc], ViewFunc]:
    """Declare the action of the policy (`clinic.policy`) a view needs."""
    rule = AccessRule(action=action, audit=audit)
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


@cache
def _views_by_name() -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(
                    entry.url_patterns,
                    f"{namespace}{entry.namespace}:" if entry.namespace else namespace,
                )
            elif isinstance(entry, URLPattern) and entry.name:
                found.setdefault(f"{namespace}{entry.name}", entry.callback)

    walk(get_resolver().url_patterns)
    return found


def page_rule(url_name: str) -> AccessRule | None:
    """The declared rule of a named page (the URLconf is read once per process). Menus
    and links ask it, so a link shows exactly when its page lets the user in; None when
    no page has the name (a feature app that is not installed)."""
    view = _views_by_name().get(url_name)
    return rule_of(view) if view is not None else None


def page_allows(user: Any, url_name: str) -> bool:
    """Whether `user` may open the named page (its own rule decides)."""
    rule = page_rule(url_name)
    return rule is not None and not rule.public and rule.allows(user)
