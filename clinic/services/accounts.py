"""Accounts: staff logins, their e-mail address, password links (admin-sent or from
the public form) and the patient's own login.

Each service runs in one transaction and writes its audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from clinic import permissions
from clinic.audit import audit_record
from clinic.choices import (
    AccountType,
    AuditAction,
    Role,
)
from clinic.models import Patient, StaffRole, User
from clinic.policy import require
from clinic.selectors import clinic_settings


def staff_create(
    *,
    username: str,
    password: str | None,
    first_name: str,
    last_name: str,
    email: str,
    roles: list[str],
    display_title: str = "",
    credentials: str = "",
) -> User:
    """Create a staff login holding `roles`."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError({"roles": f"Unknown roles: {sorted(unknown)}"})
    with transaction.atomic():
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=email,
            display_title=display_title,
            credentials=credentials,
            account_type=AccountType.STAFF,
            is_staff=Role.ADMIN in roles,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        StaffRole.objects.bulk_create([StaffRole(user=user, role=role) for role in roles])
    return user


def staff_email_set(*, user: User, email: str) -> User:
    """Correct a staff member's e-mail address (`manage.py set_staff_email`, from the
    server: in the admin the address is read-only). Any unused authenticator set-up link
    stops working, since it went to the old address."""
    from clinic.models import AuthenticatorEnrollment

    with transaction.atomic():
        user.email = email
        user.save(update_fields=["email"])
        AuthenticatorEnrollment.objects.filter(user=user, used_at__isnull=True).update(
            expires_at=timezone.now()
        )
        audit_record(action=AuditAction.UPDATE, object_type="clinic.user.email", object_id=user.pk)
    return user


def password_link_send(*, user: User, actor: User) -> None:
    """E-mail `user` a one-time link to choose a new password, to their own address.

    The admin's way to help with a password (nobody sets another person's password). A
    worker sends it once this transaction commits (`clinic.send_password_link`).
    """
    from clinic.tasks import send_password_link

    require(
        actor,
        permissions.HELP_WITH_SIGN_IN,
        message="Only the admin role sends password links to others.",
    )
    if not user.email or not user.is_active:
        raise ValidationError("This account has no e-mail address or is switched off.")
    with transaction.atomic():
        if not user.has_usable_password():
            # A fresh account: a random password nobody knows, so the link can replace it.
            user.set_password(secrets.token_urlsafe(32))
            user.save(update_fields=["password"])
        audit_record(
            action=AuditAction.UPDATE,
            user=actor,
            object_type="clinic.user.password_link",
            object_id=user.pk,
        )
        transaction.on_commit(partial(send_password_link.delay, user.pk))


def password_link_deliver(user_id: int) -> bool:
    """Send the password link of one account (in a worker); False when the account has
    since lost its address or been switched off."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return False
    _password_link_email(user)
    return True


def _password_link_email(user: User) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from clinic.notifications.email import send_templated_email

    context = {
        "user": user,
        "clinic_name": clinic_settings().name,
        "protocol": "https" if settings.SITE_URL.startswith("https") else "http",
        "domain": settings.SITE_URL.split("://", 1)[-1],
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    send_templated_email("password_reset", context, [user.email])


def _normalized_email(address: str) -> str:
    """One form per address for counting and matching: Unicode-normalised and case-folded
    (so "ſam@…" or "SAM@…" is the same address as "sam@…", never three more e-mails)."""
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def _email_digest(address: str) -> str:
    return hashlib.sha256(_normalized_email(address).encode()).hexdigest()


def password_reset_request(*, email: str) -> None:
    """The public "forgot password" form: the same work and the same answer whether or
    not an account has this address; at most a few messages per address per hour. The
    lookup and the sending happen in a worker (`clinic.password_reset_send`)."""
    from clinic.models import PasswordResetRequest
    from clinic.tasks import password_reset_send

    digest = _email_digest(email)
    now = timezone.now()
    hour_ago = now - dt.timedelta(hours=1)
    with transaction.atomic():
        # One request per address at a time (the count below is then exact).
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [digest])
        PasswordResetRequest.objects.filter(requested_at__lt=now - dt.timedelta(days=1)).delete()
        recent = PasswordResetRequest.objects.filter(
            email_digest=digest, requested_at__gt=hour_ago
        ).count()
        row = PasswordResetRequest.objects.create(
            email_digest=digest,
            email=email if recent < settings.CLINIC_PASSWORD_RESETS_PER_HOUR else "",
        )
    if row.email:
        password_reset_send.delay(row.pk)


def password_reset_deliver(request_id: int) -> int:
    """Send the password links of one "forgot password" request (in a worker); the
    address is forgotten afterwards. Returns how many accounts got a link."""
    from clinic.models import PasswordResetRequest

    row = PasswordResetRequest.objects.filter(pk=request_id).exclude(email="").first()
    if row is None:
        return 0
    sent = 0
    wanted = _normalized_email(row.email)
    for user in User.objects.filter(email__iexact=row.email, is_active=True):
        # The database's case-insensitive match may be looser than ours: send only to
        # an account whose address is the same one, never a look-alike.
        if _normalized_email(user.email) == wanted and user.has_usable_password():
            _password_link_email(user)
            sent += 1
    PasswordResetRequest.objects.filter(pk=row.pk).update(email="")
    return sent


def patient_login_create(*, patient: Patient, username: str, password: str | None) -> User:
    """Create the patient's own login (distinct from any staff account)."""
    with transaction.atomic():
        user = User(
            username=username,
            email=patient.email,
            first_name=patient.first_name,
            last_name=patient.legal_last_name,
            account_type=AccountType.PATIENT,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
    return user
