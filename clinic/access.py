"""Who may use which view, and scoped lookups of patient data.

Every view in the project declares its rule with one of the decorators below; a test
walks all URL patterns and fails for a view without one (tests/clinic/test_access_matrix.py).
Patient data is only ever fetched through the scoped helpers here: a record outside
the user's scope answers 404 with nothing of the record in the body, and is audited
as `denied`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from clinic.audit import audit_record
from clinic.choices import PATIENT_ROLE, AuditAction, Role
from clinic.models import Patient, User

ViewFunc = Callable[..., HttpResponse]

# Roles that see every patient's record (each within what their pages show).
ROLES_SEEING_ALL_PATIENTS = frozenset({Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST})


@dataclass(frozen=True)
class AccessRule:
    """The declared rule of one view."""

    roles: frozenset[str] = frozenset()
    public: bool = False  # no sign-in needed (login, password reset, health check)
    any_signed_in: bool = False  # every signed-in user (logout, own account pages)

    def allows(self, user: Any) -> bool:
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        if self.any_signed_in:
            return True
        return bool(user.role_codes & self.roles)


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
                request=request,
                object_type="page",
                object_id=(request.resolver_match.view_name if request.resolver_match else ""),
            )
            return TemplateResponse(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    wrapper.access_rule = rule  # type: ignore[attr-defined]
    return wrapper


def allow(*roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """Declare the roles (staff roles and/or "patient") that may use a view."""
    unknown = set(roles) - set(Role.values) - {PATIENT_ROLE}
    if unknown or not roles:
        raise ValueError(f"allow() needs known roles, got {roles!r}")
    rule = AccessRule(roles=frozenset(roles))
    return lambda view: _attach(view, rule)


def public(view: ViewFunc) -> ViewFunc:
    """Declare a view that needs no sign-in. It must show no patient data."""
    return _attach(view, AccessRule(public=True))


def signed_in(view: ViewFunc) -> ViewFunc:
    """Declare a view for every signed-in user, whatever their role."""
    return _attach(view, AccessRule(any_signed_in=True))


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


# --- Scoped patient lookups ----------------------------------------------------------


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """The patients this user may see at all. Pages narrow it further, never widen it."""
    if not user.is_authenticated or not user.is_active:
        return Patient.objects.none()
    if user.is_patient_account:
        return Patient.objects.filter(user=user)
    roles = user.role_codes
    if roles & ROLES_SEEING_ALL_PATIENTS:
        return Patient.objects.all()
    if Role.THERAPIST in roles:
        return Patient.objects.filter(therapist=user)
    return Patient.objects.none()


def patient_for_user(
    request: HttpRequest,
    pk: int | str,
    *,
    queryset: QuerySet[Patient] | None = None,
) -> Patient:
    """Fetch one patient within the user's scope, or audit the denial and answer 404."""
    scoped = patients_visible_to(request.user)
    if queryset is not None:
        scoped = queryset & scoped
    try:
        return scoped.get(pk=int(pk))
    except (Patient.DoesNotExist, ValueError, TypeError):
        deny_patient(request, pk)
        raise Http404("No such patient.") from None


def deny_patient(
    request: HttpRequest,
    pk: int | str | None,
    object_type: str = "clinic.patient",
    *,
    object_id: int | str | None = None,
) -> None:
    """Record a denied lookup: `pk` is the patient asked about (None when unknown) and
    `object_id` the record asked for, when it is not the patient itself."""
    known = pk is not None and str(pk).isdigit() and Patient.objects.filter(pk=int(pk)).exists()
    audit_record(
        action=AuditAction.DENIED,
        request=request,
        patient_id=int(pk) if known else None,
        object_type=object_type,
        object_id=str(pk if object_id is None else object_id)[:64],
    )


def own_patient(request: HttpRequest) -> Patient:
    """The patient record of a signed-in patient login."""
    patient = Patient.objects.filter(user=request.user).select_related("psychiatrist", "therapist")
    found = patient.first()
    if found is None:
        raise Http404("No patient record is linked to this login.")
    return found
