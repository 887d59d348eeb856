"""Sign-in policy helpers: lockout response, the lock check, failed-code counting and the
authenticator set-up page's QR code."""

from __future__ import annotations

import base64
import functools
import io
import secrets
from typing import Any

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import User

# One message for a wrong password, an unknown account and a locked account, so the
# page never tells an attacker which of the three it was (security.md §2).
SIGN_IN_FAILED = (
    "We could not sign you in with that username and password. "
    "After 5 failed attempts an account is locked for 15 minutes."
)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes calls this for a locked account: answer exactly like a wrong password,
    in the same time (a password hash is computed either way)."""
    check_password((credentials or {}).get("password") or "", _timing_hash())
    if original_response is not None and original_response.status_code == 200:
        return original_response
    # Axes' middleware runs innermost, so the response must leave here rendered.
    return sign_in_refused(request).render()


@functools.cache
def _timing_hash() -> str:
    return make_password(secrets.token_hex(16))


def sign_in_refused(request: HttpRequest) -> TemplateResponse:
    """The sign-in page with the one generic failure message."""
    from clinic.forms import SignInForm

    return TemplateResponse(
        request, "registration/login.html", {"form": SignInForm(request), "refused": SIGN_IN_FAILED}
    )


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_locked(request: HttpRequest, user: User) -> bool:
    """Locked by wrong passwords and codes together (django-axes, never reset by a right
    password), or by 5 wrong codes since the last right one within the cool-off."""
    from clinic.second_factor import second_factor_failures

    if AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()}):
        return True
    return second_factor_failures(user) >= settings.CLINIC_SECOND_FACTOR_FAILURE_LIMIT


def record_failed_code(request: HttpRequest, user: User) -> None:
    """A wrong second-factor code counts toward the same lockout as a wrong password."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )


def qr_code_data_uri(config_url: str) -> str:
    """The otpauth:// URL as a QR code image, inline (CSP allows data: images only)."""
    image = qrcode.make(config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def secret_for_manual_entry(device: TOTPDevice) -> str:
    """The base32 secret, grouped in fours, for typing into an authenticator app."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
