"""Coordinators invite patients; patients accept the single-use link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import allow, public
from clinic.audit import audit_record
from clinic.choices import AuditAction, Role
from clinic.forms import attach_errors
from clinic.policy import NotVisible
from clinic.selectors import paginate
from intake import selectors, services
from intake.forms import (
    AcceptInvitationForm,
    InvitationForm,
)
from intake.models import Invitation

# --- Invitations (coordinators) ------------------------------------------------------------


@allow(Role.COORDINATOR)
def invitation_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.invitations_for(request.user), request.GET.get("page"))
    audit_record(action=AuditAction.VIEW, object_type="intake.invitation_list")
    return TemplateResponse(request, "intake/invitation_list.html", {"page": page})


@allow(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def invitation_create(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                email=form.cleaned_data["email"],
                mobile=form.cleaned_data["mobile"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.patient.full_name}. The link works until "
                f"{timezone.localtime(invitation.expires_at):%B %-d, %Y}.",
            )
            return redirect("invitation_list")
    return TemplateResponse(request, "intake/invitation_form.html", {"form": form})


@allow(Role.COORDINATOR)
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitations_for(request.user).filter(pk=invitation_id).first()
    if invitation is None:
        patient_id = (
            Invitation.objects.filter(pk=invitation_id).values_list("patient_id", flat=True).first()
        )
        raise NotVisible(
            patient_id=patient_id, object_type="intake.invitation", object_id=invitation_id
        )
    try:
        services.invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"A new link was sent to {invitation.patient.full_name}; older links stop working.",
        )
    return redirect("invitation_list")


PROBLEMS = {
    "invalid": (
        "This link is not valid",
        "The address may have been copied incompletely. Open the link from your invitation "
        "message again, or ask the clinic to send a new one.",
    ),
    "expired": (
        "This invitation has expired",
        "For your security, invitation links work for a limited time. Please contact the "
        "clinic and ask for a new link.",
    ),
    "used": (
        "This invitation was already used",
        "Your login has been created. Sign in with the username and password you chose.",
    ),
    "replaced": (
        "A newer invitation replaced this one",
        "The clinic sent you a newer link. Please use the most recent message.",
    ),
}


@public
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    found = services.invitation_from_token(token)
    if found.problem:
        title, text = PROBLEMS[found.problem]
        return TemplateResponse(
            request,
            "intake/invitation_problem.html",
            {"title": title, "text": text, "problem": found.problem},
            status=410 if found.problem in ("expired", "used", "replaced") else 404,
        )
    invitation = found.invitation
    patient = invitation.patient
    try:
        username = services.invitation_username(invitation)
    except ValidationError as error:
        return TemplateResponse(
            request,
            "intake/invitation_problem.html",
            {"title": "This link cannot create a login", "text": " ".join(error.messages)},
            status=409,
        )
    form = AcceptInvitationForm(
        request.POST or None,
        username=username,
        first_name=patient.legal_first_name,
        last_name=patient.legal_last_name,
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                f"Your login is ready: sign in with the username {user.username}. "
                "Let's start your intake.",
            )
            return redirect("intake_home")
    return TemplateResponse(
        request,
        "intake/invitation_accept.html",
        {"form": form, "first_name": patient.first_name, "username": username},
    )
