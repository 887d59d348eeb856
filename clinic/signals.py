"""Sign-in events go into the audit trail (Django's auth signals are the only source);
a saved settings row replaces the copy shared within the current request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.http import HttpRequest

from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import ClinicSettings, User
from clinic.selectors import remember_clinic_settings


def _logged_in(sender: Any, request: HttpRequest, user: User, **_: Any) -> None:
    audit_record(action=AuditAction.LOGIN, request=request, user=user, object_type="session")


def _logged_out(sender: Any, request: HttpRequest, user: User | None, **_: Any) -> None:
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, request=request, user=user, object_type="session")


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    # The attempted username (never the password) shows which account is under attack.
    audit_record(
        action=AuditAction.DENIED,
        request=request,
        object_type="login",
        object_id=str(credentials.get("username", ""))[:64],
    )


def _settings_saved(sender: Any, instance: ClinicSettings, **_: Any) -> None:
    remember_clinic_settings(instance)


def connect() -> None:
    post_save.connect(_settings_saved, sender=ClinicSettings, dispatch_uid="clinic_settings_saved")
    user_logged_in.connect(_logged_in, dispatch_uid="clinic_audit_logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="clinic_audit_logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="clinic_audit_login_failed")
