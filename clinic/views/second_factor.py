"""The second factor: setting up an authenticator app, the e-mailed set-up link,
replacing a working app, and the code asked at sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from clinic import auth, second_factor
from clinic.access import signed_in
from clinic.forms import ReauthenticateForm, TokenForm
from clinic.policy import NotVisible
from clinic.views.account import safe_next as _safe_next

# --- Second factor -------------------------------------------------------------------------
# The set-up page needs an `AuthenticatorEnrollment` bound to this browser session: from
# the one-time link e-mailed to the staff member, or from re-entering password and code.
# Its secret is new on every view of the page and lives only in this session.

SESSION_ENROLLMENT = "clinic_mfa_enrollment"
SESSION_SECRET = "clinic_mfa_secret"  # noqa: S105 (a session key name)


def _session_enrollment(request: HttpRequest) -> Any:
    return second_factor.usable_enrollment(
        user=request.user, enrollment_id=request.session.get(SESSION_ENROLLMENT)
    )


def _begin_setup(request: HttpRequest, enrollment: Any) -> HttpResponse:
    """Bind a set-up permission to this browser session; the set-up page makes the secret."""
    request.session[SESSION_ENROLLMENT] = enrollment.pk
    request.session.pop(SESSION_SECRET, None)
    return redirect("mfa_setup")


def _forget_enrollment(request: HttpRequest) -> None:
    request.session.pop(SESSION_ENROLLMENT, None)
    request.session.pop(SESSION_SECRET, None)


def _locked_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return auth.sign_in_refused(request)


def _count_wrong_code(request: HttpRequest) -> HttpResponse | None:
    """A wrong code counts toward the lock; the sign-in page if it now locks the account."""
    auth.record_failed_code(request, request.user)
    return _locked_out(request) if auth.is_locked(request, request.user) else None


@signed_in
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code, then confirm with one code from it."""
    user = request.user
    if user.is_patient_account:
        return redirect("home")
    enrollment = _session_enrollment(request)
    if enrollment is None:
        _forget_enrollment(request)
        if auth.has_confirmed_device(user):
            target = "mfa_replace" if user.is_verified() else "mfa_verify"
            return redirect(target)
        return TemplateResponse(
            request,
            "registration/mfa_link_needed.html",
            {"email": second_factor.masked_email(user.email) if user.email else ""},
        )
    form = TokenForm(request.POST or None)
    key = request.session.get(SESSION_SECRET)
    if request.method == "GET" or not isinstance(key, str):
        key = second_factor.new_secret()  # fresh for every view of the page
        request.session[SESSION_SECRET] = key
    elif form.is_valid():
        if auth.is_locked(request, user):
            return _locked_out(request)
        try:
            device = second_factor.authenticator_enroll(
                actor=user,
                enrollment=enrollment,
                key=key,
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            _forget_enrollment(request)
            messages.error(request, error.messages[0])
            return redirect("mfa_setup")
        if device is not None:
            _forget_enrollment(request)
            otp_login(request, device)
            messages.success(request, "Your authenticator app is set up.")
            return HttpResponseRedirect(_safe_next(request))
        if locked := _count_wrong_code(request):
            return locked
        form.add_error("token", "That code did not match. Check the time on your phone.")
    shown = second_factor.device_for_display(user, key)
    return TemplateResponse(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "qr_code": auth.qr_code_data_uri(shown.config_url),
            "secret": auth.secret_for_manual_entry(shown),
            "next": _safe_next(request),
        },
    )


@signed_in
@require_http_methods(["POST"])
def mfa_link_request(request: HttpRequest) -> HttpResponse:
    """E-mail the signed-in staff member a set-up link, to their own address only."""
    user = request.user
    if user.is_patient_account or auth.has_confirmed_device(user):
        return redirect("home")
    try:
        sent = second_factor.enrollment_link_send(user=user, actor=user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("mfa_setup")
    if sent:
        messages.success(
            request,
            f"We e-mailed a set-up link to {second_factor.masked_email(user.email)}. "
            "It works once, within 24 hours, in this browser after signing in.",
        )
    else:
        messages.info(request, "A link was sent a moment ago: check your inbox (and spam).")
    return redirect("mfa_setup")


@signed_in
@require_http_methods(["GET", "POST"])
def mfa_enroll_link(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed set-up link. A GET only shows it (mail scanners open links); the
    button binds it to this signed-in browser session."""
    user = request.user
    enrollment = None
    if not user.is_patient_account:
        enrollment = second_factor.enrollment_for_link(user=user, token=token[:100])
    if enrollment is None:
        # The page says what to do next instead of the bare "not found".
        raise NotVisible(
            patient_id=None,
            object_type="otp.setup_link",
            object_id="",
            page="registration/mfa_link_invalid.html",
        )
    if request.method == "POST":
        return _begin_setup(request, enrollment)
    return TemplateResponse(request, "registration/mfa_link_confirm.html", {})


@signed_in
@require_http_methods(["GET", "POST"])
def mfa_replace(request: HttpRequest) -> HttpResponse:
    """Replace a working authenticator: password and a current code first."""
    user = request.user
    if user.is_patient_account:
        return redirect("home")
    if not auth.has_confirmed_device(user):
        return redirect("mfa_setup")
    if not user.is_verified():
        return redirect(reverse("mfa_verify") + "?next=" + reverse("mfa_replace"))
    form = ReauthenticateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if auth.is_locked(request, user):
            return _locked_out(request)
        enrollment = second_factor.reauthenticate_for_replacement(
            actor=user,
            password=form.cleaned_data["password"],
            token=form.cleaned_data["token"],
        )
        if enrollment is not None:
            return _begin_setup(request, enrollment)
        if locked := _count_wrong_code(request):
            return locked
        form.add_error(None, "The password or the code did not match.")
    return TemplateResponse(request, "registration/mfa_replace.html", {"form": form})


@signed_in
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: one code from the enrolled authenticator app."""
    user = request.user
    if user.is_patient_account or user.is_verified():
        return HttpResponseRedirect(_safe_next(request))
    if not auth.has_confirmed_device(user):
        return redirect("mfa_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if auth.is_locked(request, user):
            return _locked_out(request)
        check = second_factor.code_check(actor=user, token=form.cleaned_data["token"])
        if check.passed:
            otp_login(request, check.device)
            return HttpResponseRedirect(_safe_next(request))
        if check.locked:
            return _locked_out(request)
        if check.wait_until is not None:
            seconds = max(1, int((check.wait_until - timezone.now()).total_seconds()) + 1)
            form.add_error(
                "token",
                f"Too many wrong codes: wait {_duration(seconds)} before the next try. "
                "If this keeps happening, ask the administrator to reset your authenticator.",
            )
        else:
            if locked := _count_wrong_code(request):
                return locked
            form.add_error("token", "That code did not match. Try the newest code in your app.")
    return TemplateResponse(
        request, "registration/mfa_verify.html", {"form": form, "next": _safe_next(request)}
    )


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 2 * 3600:
        return f"{seconds // 60} minutes"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} hours"
    return f"{seconds // 86400} days"
