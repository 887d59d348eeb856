"""What every page's shell needs: the clinic, the navigation for the user's roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from clinic.choices import PATIENT_ROLE, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# A menu item appears only when its feature exists; feature apps add theirs here.
NAVIGATION: list[NavItem] = [
    NavItem("Home", "home", frozenset({*Role.values, PATIENT_ROLE})),
    NavItem(
        "Patients",
        "patient_list",
        frozenset({Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST}),
    ),
    NavItem("Failed reminders", "failed_reminders", frozenset({Role.COORDINATOR})),
    NavItem("My documents", "my_documents", frozenset({PATIENT_ROLE})),
    NavItem("Reminders", "my_reminder_preferences", frozenset({PATIENT_ROLE})),
    NavItem("Audit log", "audit_log", frozenset({Role.ADMIN})),
    NavItem("Clinic settings", "admin:index", frozenset({Role.ADMIN})),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items: list[NavItem] = []
    if user is not None and user.is_authenticated:
        items = [item for item in NAVIGATION if user.role_codes & item.roles]
    role_labels = [
        Role(code).label for code in sorted(getattr(user, "role_codes", ())) if code in Role.values
    ]
    return {
        "clinic": getattr(request, "clinic", None),
        "nav_items": items,
        "role_labels": role_labels,
        "mfa_required": settings.CLINIC_REQUIRE_MFA,
        "current_url_name": getattr(getattr(request, "resolver_match", None), "url_name", ""),
    }
