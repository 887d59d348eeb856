"""Sign-in events go into the audit trail (Django's auth signals are the only source)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import User


def _logged_in(sender: Any, request: HttpRequest, user: User, **_: Any) -> None:
    audit_record(action=AuditAction.LOGIN, user=user, object_type="session")


def _logged_out(sender: Any, request: HttpRequest, user: User | None, **_: Any) -> None:
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, user=user, object_type="session")


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    # The attempted username (never the password) shows which account is under attack.
    audit_record(
        action=AuditAction.DENIED,
        object_type="login",
        object_id=str(credentials.get("username", ""))[:64],
    )


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="clinic_audit_logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="clinic_audit_logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="clinic_audit_login_failed")
