"""The one access policy: may this user do this action (on this patient)?

Every question of who may do what is asked here: the view decorator
(`clinic.access.permits`), the services (`require`), the menus and templates (`can`) and
the access-matrix test. An action is a name such as `"sessions.record_vitals"` and lists
once the roles that hold it. Each app declares its own actions in its `permissions.py`
(loaded by its AppConfig), so the core knows no feature's action, not even by name.

Two questions make up an answer:
- the **role**: does the user hold one of the action's roles (a staff role or the
  patient login)?
- the **scope**: is the patient one this user sees at all? Coordinators, nurses and
  psychiatrists see every patient; a therapist only their own caseload; a patient only
  themselves (`patients_visible_to`, which the scoped lookups narrow, never widen).

A principal that is not a login (an API client acting through a bearer token) answers
both questions itself: `holds_action(action)`, `patient_scope()` and `sees_patient(p)`.
Model: NetBox's `restrict(user, action)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from clinic.choices import PATIENT_ROLE, AccountType, Role
from clinic.models import Patient, User

# The roles that see every patient's record (each within what their pages show).
_SEE_EVERY_PATIENT = frozenset({Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST})


@dataclass(frozen=True)
class Permission:
    """One action and the roles that hold it."""

    action: str
    roles: frozenset[str]
    summary: str

    def held_by(self, user: Any) -> bool:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        holds = getattr(user, "holds_action", None)
        if holds is not None:  # a principal that is not a login (an API client)
            return bool(holds(self.action))
        return bool(user.role_codes & self.roles)


_PERMISSIONS: dict[str, Permission] = {}


def define(action: str, roles: Iterable[str], summary: str) -> str:
    """Declare an action and the roles that hold it (once, from an app's permissions.py)."""
    held = frozenset(roles)
    unknown = held - set(Role.values) - {PATIENT_ROLE}
    if unknown or not held:
        raise ValueError(f"{action}: needs known roles, got {sorted(held)!r}")
    if action in _PERMISSIONS and _PERMISSIONS[action].roles != held:
        raise ValueError(f"{action} is already declared with other roles")
    _PERMISSIONS[action] = Permission(action, held, summary)
    return action


def permission(action: str) -> Permission:
    try:
        return _PERMISSIONS[action]
    except KeyError:
        raise LookupError(f"No action {action!r} is declared") from None


def permissions() -> list[Permission]:
    """Every declared action (for the access-matrix test and the admin's reference)."""
    return sorted(_PERMISSIONS.values(), key=lambda p: p.action)


class NotVisible(Exception):
    """A record the user may not see, or that does not exist (the same answer for both).

    `page` names a template that says what to do next instead of the plain "not found"
    (an expired set-up link); it is still a 404 with the same one `denied` row."""

    def __init__(
        self,
        *,
        patient_id: int | str | None,
        object_type: str,
        object_id: object,
        page: str = "404.html",
    ) -> None:
        super().__init__(f"{object_type} {object_id} is not visible")
        self.patient_id = patient_id
        self.object_type = object_type
        self.object_id = object_id
        self.page = page


# --- the scope ------------------------------------------------------------------------


def patients_visible_to(user: Any) -> QuerySet[Patient]:
    """The patients this user may see at all. Pages narrow it further, never widen it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Patient.objects.none()
    if hasattr(user, "patient_scope"):  # a principal that is not a login answers itself
        return user.patient_scope()
    if user.is_patient_account:
        return Patient.objects.filter(user=user)
    roles = user.role_codes
    if roles & _SEE_EVERY_PATIENT:
        return Patient.objects.all()
    if Role.THERAPIST in roles:
        return Patient.objects.filter(therapist=user)
    return Patient.objects.none()


def sees_every_patient(user: Any) -> bool:
    """Whether the user's scope is the whole clinic (not a caseload or one record)."""
    return bool(getattr(user, "is_authenticated", False) and user.role_codes & _SEE_EVERY_PATIENT)


def in_scope(user: Any, patient: Patient) -> bool:
    """The scope of `patients_visible_to`, for a patient already in hand (no query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if hasattr(user, "sees_patient"):
        return bool(user.sees_patient(patient))
    if user.is_patient_account:
        return patient.user_id == user.pk
    if user.role_codes & _SEE_EVERY_PATIENT:
        return True
    return Role.THERAPIST in user.role_codes and patient.therapist_id == user.pk


# --- the answer ------------------------------------------------------------------------


def may(user: Any, action: str, *, patient: Patient | None = None) -> bool:
    """May `user` do `action` (on `patient`, when the action is about one)?"""
    if not permission(action).held_by(user):
        return False
    return patient is None or in_scope(user, patient)


def holders(action: str) -> QuerySet[User]:
    """The active logins that hold `action` (whom to tell about work only they may do).
    Lazy: one query when read."""
    roles = permission(action).roles
    staff = Q(staff_roles__role__in=roles - {PATIENT_ROLE}) & ~Q(account_type=AccountType.PATIENT)
    if PATIENT_ROLE in roles:
        staff |= Q(account_type=AccountType.PATIENT)
    return User.objects.filter(staff, is_active=True).distinct()


def require(user: User, action: str, *, patient: Patient | None = None, message: str = "") -> None:
    """Refuse (PermissionDenied) unless `may(user, action, patient=patient)`."""
    if not may(user, action, patient=patient):
        raise PermissionDenied(message or "You may not do this.")


class _AppActions:
    def __init__(self, user: Any, app: str) -> None:
        self._user, self._app = user, app

    def __getitem__(self, verb: str) -> bool:
        return may(self._user, f"{self._app}.{verb}")


class Capabilities:
    """What a template asks: `{% if can.sessions.record_vitals %}`."""

    def __init__(self, user: Any) -> None:
        self._user = user

    def __getitem__(self, app: str) -> _AppActions:
        return _AppActions(self._user, app)
