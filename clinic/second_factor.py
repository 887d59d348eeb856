"""The second factor (TOTP) of staff sign-in: writes and checks (security.md §2).

- A password alone never sets up an authenticator: the first set-up (and the one after
  an admin's reset) needs a one-time link sent to the staff member's own address;
  replacing a working authenticator needs the password and a current code again. Both
  end in an `AuthenticatorEnrollment` row that the set-up page checks and uses once.
- The secret is made fresh for each set-up page view and kept only in that browser's
  session until it is confirmed; nothing stores or shows an unconfirmed secret again.
- Wrong codes lock the account: they count toward the same lock as wrong passwords, a
  right password does not wipe them, and django-otp's doubling delay is a second line.
- Each step writes an audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic import permissions
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import AuthenticatorEnrollment, User
from clinic.notifications.email import send_templated_email
from clinic.policy import may
from clinic.selectors import clinic_settings
from clinic.tasks import send_authenticator_link

# A new link is not sent again within this time (a double click, a flood of requests).
LINK_RESEND_PAUSE = dt.timedelta(minutes=2)
# Re-authentication (password and a current code) allows a replacement for this long.
REAUTH_VALID = dt.timedelta(minutes=10)
TOTP_STEP = 30
TOTP_DIGITS = 6


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def masked_email(address: str) -> str:
    """“j•••@clinic.example”: enough for the owner to recognise, little for anyone else."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def _check_staff(user: User) -> None:
    if user.is_patient_account:
        raise ValidationError("Patient accounts do not use an authenticator app.")


def enrollment_link_send(*, user: User, actor: User) -> bool:
    """E-mail `user` a one-time link to set up an authenticator app.

    The link goes only to the address on the account; a worker sends it once this
    transaction commits (`clinic.send_authenticator_link`). Returns False (and sends
    nothing) when a link went out less than two minutes ago; earlier unused links stop
    working.
    """
    _check_staff(user)
    if actor.pk != user.pk and not may(actor, permissions.HELP_WITH_SIGN_IN):
        raise ValidationError("Only the admin role sends a set-up link to someone else.")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(
            "This account already has an authenticator app: replacing it needs the "
            "password and a current code, or an admin's “Reset authenticator app”."
        )
    if not user.email:
        raise ValidationError(
            "This account has no e-mail address, so no set-up link can be sent. "
            "Ask the clinic's administrator to add your work address."
        )
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if AuthenticatorEnrollment.objects.filter(
            user=user, created_at__gt=now - LINK_RESEND_PAUSE, sent_by__isnull=False
        ).exists():
            return False
        AuthenticatorEnrollment.objects.filter(user=user, used_at__isnull=True).update(
            expires_at=now
        )
        # The link's secret is made by the worker that e-mails it (a task carries ids,
        # never a secret); until then the row answers to no link.
        enrollment = AuthenticatorEnrollment.objects.create(
            user=user,
            token_hash=_digest(secrets.token_urlsafe(32)),
            expires_at=now + settings.CLINIC_ENROLLMENT_LINK_VALID,
            sent_by=actor,
        )
        audit_record(
            action=AuditAction.MFA_LINK_SENT,
            user=actor,
            object_type="clinic.user",
            object_id=user.pk,
        )
        transaction.on_commit(partial(send_authenticator_link.delay, enrollment.pk))
    return True


def enrollment_link_deliver(enrollment_id: int) -> bool:
    """E-mail the set-up link of one enrollment (in a worker): a fresh secret, whose
    digest replaces the row's, so only this message's link works. False when the
    enrollment is no longer usable (used, expired, replaced) or the address is gone."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        enrollment = (
            AuthenticatorEnrollment.objects.select_for_update()
            .select_related("user")
            .filter(
                pk=enrollment_id,
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
                sent_by__isnull=False,
            )
            .first()
        )
        if enrollment is None or not enrollment.user.email:
            return False
        enrollment.token_hash = _digest(token)
        enrollment.save(update_fields=["token_hash"])
    context = {
        "user": enrollment.user,
        "link": settings.SITE_URL + reverse("mfa_enroll_link", args=[token]),
        "clinic_name": clinic_settings().name,
        "hours": int(settings.CLINIC_ENROLLMENT_LINK_VALID.total_seconds() // 3600),
    }
    send_templated_email("authenticator_link", context, [enrollment.user.email])
    return True


def enrollment_for_link(*, user: User, token: str) -> AuthenticatorEnrollment | None:
    """The usable set-up link of `user` with this token, or None (wrong, used, expired)."""
    return AuthenticatorEnrollment.objects.filter(
        user=user,
        token_hash=_digest(token),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


def usable_enrollment(*, user: User, enrollment_id: object) -> AuthenticatorEnrollment | None:
    if not isinstance(enrollment_id, int):
        return None
    return AuthenticatorEnrollment.objects.filter(
        pk=enrollment_id, user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def new_secret() -> str:
    """A fresh random TOTP key (hex, 20 bytes), for one set-up page view."""
    return secrets.token_hex(20)


def device_for_display(user: User, key: str) -> TOTPDevice:
    """An unsaved device around `key`, for its otpauth:// URL and manual-entry key."""
    return TOTPDevice(user=user, name="Authenticator app", key=key, confirmed=False)


def _code_step(key: str, token: str) -> int | None:
    """The time step at which `token` is right for `key` (±1 step), or None."""
    try:
        value = int(token)
    except (TypeError, ValueError):
        return None
    totp = TOTP(bytes.fromhex(key), step=TOTP_STEP, t0=0, digits=TOTP_DIGITS, drift=0)
    totp.time = time.time()
    if not totp.verify(value, tolerance=1):
        return None
    return totp.t() + totp.drift


def authenticator_enroll(
    *,
    actor: User,
    enrollment: AuthenticatorEnrollment,
    key: str,
    token: str,
) -> TOTPDevice | None:
    """Confirm the authenticator holding `key` with one of its codes; it replaces any
    earlier one. Uses up `enrollment`. Returns None for a wrong code (audited)."""
    _check_staff(actor)
    step = _code_step(key, token)
    if step is None:
        audit_record(
            action=AuditAction.MFA_FAILED,
            user=actor,
            object_type="otp.setup",
            object_id=actor.pk,
        )
        return None
    now = timezone.now()
    with transaction.atomic():
        locked = (
            AuthenticatorEnrollment.objects.select_for_update()
            .filter(pk=enrollment.pk, user=actor)
            .first()
        )
        if locked is None or locked.used_at is not None or locked.expires_at <= now:
            raise ValidationError(
                "This set-up has expired or was already used. Start again from the link."
            )
        locked.used_at = now
        locked.save(update_fields=["used_at"])
        replacing = TOTPDevice.objects.filter(user=actor, confirmed=True).exists()
        TOTPDevice.objects.filter(user=actor).delete()
        device = TOTPDevice.objects.create(
            user=actor,
            name="Authenticator app",
            key=key,
            confirmed=True,
            step=TOTP_STEP,
            digits=TOTP_DIGITS,
            last_t=step,  # the confirming code cannot be used again to sign in
        )
        audit_record(
            action=AuditAction.MFA_REPLACED if replacing else AuditAction.MFA_ENROLLED,
            user=actor,
            object_type="otp.device",
            object_id=actor.pk,
        )
    return device


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | None
    wait_until: dt.datetime | None = None
    locked: bool = False

    @property
    def passed(self) -> bool:
        return self.device is not None


def code_check(*, actor: User, token: str) -> CodeCheck:
    """Check a code against the staff member's confirmed authenticator (audited).

    While django-otp's delay after wrong codes runs, no code is tried at all, so a
    guess in that time neither counts nor can succeed.
    """
    with transaction.atomic():
        # One code check at a time per person: parallel requests cannot slip past the
        # count of wrong codes or use one code twice.
        devices = list(TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True))
        if second_factor_failures(actor) >= settings.CLINIC_SECOND_FACTOR_FAILURE_LIMIT:
            return CodeCheck(None, locked=True)
        waits = []
        for device in devices:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                waits.append((details or {}).get("locked_until"))
                continue
            if device.verify_token(token):
                audit_record(
                    action=AuditAction.MFA_PASSED,
                    user=actor,
                    object_type="otp.device",
                    object_id=actor.pk,
                )
                return CodeCheck(device)
        waiting = bool(waits) and len(waits) == len(devices)
        audit_record(
            action=AuditAction.MFA_FAILED,
            user=actor,
            object_type="otp.device.wait" if waiting else "otp.device",
            object_id=actor.pk,
        )
    if waiting:
        return CodeCheck(None, wait_until=max(w for w in waits if w is not None))
    return CodeCheck(None)


def reauthenticate_for_replacement(
    *, actor: User, password: str, token: str
) -> AuthenticatorEnrollment | None:
    """Password and a current code again before an authenticator is replaced: returns a
    ten-minute set-up permission, or None when either is wrong (audited)."""
    _check_staff(actor)
    if not actor.check_password(password):
        audit_record(
            action=AuditAction.MFA_FAILED,
            user=actor,
            object_type="otp.replace",
            object_id=actor.pk,
        )
        return None
    if not code_check(actor=actor, token=token).passed:
        return None
    now = timezone.now()
    return AuthenticatorEnrollment.objects.create(
        user=actor,
        token_hash=_digest(secrets.token_urlsafe(32)),
        expires_at=now + REAUTH_VALID,
        sent_by=None,
    )


def second_factor_failures(user: User) -> int:
    """Wrong codes since the last right one, on the staff member's authenticator."""
    counts = TOTPDevice.objects.filter(user=user, confirmed=True).values_list(
        "throttling_failure_count", "throttling_failure_timestamp"
    )
    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    return max((count for count, last in counts if last is not None and last > cutoff), default=0)


def authenticator_reset(*, user: User, actor: User) -> int:
    """Remove a staff member's authenticators (lost phone) and end their open sessions;
    a set-up link goes to their own address. Returns 1 when a device was removed."""
    from django.contrib.sessions.models import Session

    if not may(actor, permissions.HELP_WITH_SIGN_IN):
        raise ValidationError("Only the admin role resets authenticators.")
    _check_staff(user)
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if session.get_decoded().get("_auth_user_id") == str(user.pk):
                session.delete()
        audit_record(
            action=AuditAction.MFA_RESET,
            user=actor,
            object_type="otp.device",
            object_id=user.pk,
        )
        if user.email:
            enrollment_link_send(user=user, actor=actor)
    return 1 if deleted else 0
