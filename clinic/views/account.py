"""Signing in and out, choosing a new password, and the health check."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from clinic.access import public, signed_in
from clinic.forms import SignInForm
from clinic.services import accounts


def safe_next(request: HttpRequest, fallback: str = "home") -> str:
    """The `next` address if it stays on this site, else the `fallback` page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["signed_out_reason"] = self.request.GET.get("signed_out", "")
        return context


sign_in = public(SignInView.as_view())


@signed_in
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out ends the session on the server; a GET only asks to confirm (CSRF-safe)."""
    if request.method == "POST":
        logout(request)
        return redirect(reverse("login") + "?signed_out=yes")
    return TemplateResponse(request, "registration/logout_confirm.html")


def _public_view(view_class: type, **initkwargs: Any) -> Any:
    return public(view_class.as_view(**initkwargs))


class ClinicPasswordResetView(auth_views.PasswordResetView):
    """The same answer, after the same work, whether or not the address has an account;
    the lookup and the e-mail happen in a worker, a few per address per hour."""

    def form_valid(self, form: Any) -> HttpResponse:
        accounts.password_reset_request(email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


password_reset = _public_view(
    ClinicPasswordResetView,
    template_name="registration/password_reset_form.html",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = _public_view(
    auth_views.PasswordResetDoneView, template_name="registration/password_reset_done.html"
)
password_reset_confirm = _public_view(
    auth_views.PasswordResetConfirmView,
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = _public_view(
    auth_views.PasswordResetCompleteView,
    template_name="registration/password_reset_complete.html",
)


@public
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for the load balancer: the database answers. Shows no data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@signed_in
def bench_floor(request: HttpRequest) -> HttpResponse:
    """Benchmarks only (SERVER_TIMING): the cheapest signed-in page, the framework floor."""
    return HttpResponse("ok", content_type="text/plain")
