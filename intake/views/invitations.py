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

from clinic.access import permits, public
from clinic.models import User
from clinic.posting import submit_form
from clinic.selectors import paginate
from intake import selectors
from intake.forms import AcceptInvitationForm, InvitationForm
from intake.models import Invitation
from intake.permissions import INVITE_PATIENTS
from intake.services import invitations as services

# --- Invitations (coordinators) ------------------------------------------------------------


@permits(INVITE_PATIENTS, audit="intake.invitation_list")
def invitation_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.invitations_for(request.user), request.GET.get("page"))
    return TemplateResponse(request, "intake/invitation_list.html", {"page": page})


def _sent(invitation: Invitation) -> str:
    return (
        f"Invitation sent to {invitation.patient.full_name}. The link works until "
        f"{timezone.localtime(invitation.expires_at):%B %-d, %Y}."
    )


@permits(INVITE_PATIENTS)
@require_http_methods(["GET", "POST"])
def invitation_create(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda data: services.invitation_create(actor=request.user, **data),
        success=_sent,
        then=lambda _: redirect("invitation_list"),
    )
    return done or TemplateResponse(request, "intake/invitation_form.html", {"form": form})


@permits(INVITE_PATIENTS)
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_for_user(request.user, invitation_id)
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


def _signed_in(request: HttpRequest, user: User) -> HttpResponse:
    """The new login is signed in at once and taken to the intake."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("intake_home")


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
    done = submit_form(
        request,
        form,
        lambda data: services.invitation_accept(invitation=invitation, password=data["password1"]),
        success=lambda user: (
            f"Your login is ready: sign in with the username {user.username}. "
            "Let's start your intake."
        ),
        then=lambda user: _signed_in(request, user),
    )
    if done:
        return done
    return TemplateResponse(
        request,
        "intake/invitation_accept.html",
        {"form": form, "first_name": patient.first_name, "username": username},
    )
