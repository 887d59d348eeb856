"""The clinic's admin site: for the `admin` role only (`clinic.administer`), audited, and
the base of every model admin in it (nothing is deleted, only offered filters)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from clinic import permissions
from clinic.access import AccessRule
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.fields import ClinicDateField
from clinic.policy import may


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"
    site_title = "Clinic administration"
    index_title = "Users, chairs, hours, closures and settings"
    access_rule = AccessRule(action=permissions.ADMINISTER)

    def has_permission(self, request: HttpRequest) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for the whole product (lockout and second factor live there).
        if request.user.is_authenticated:
            return redirect("home")
        return redirect(f"/login/?next={request.get_full_path()}")

    def logout(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect("logout") if request.method == "GET" else super().logout(request)

    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Any:
        wrapped = super().admin_view(view, cacheable)

        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                audit_record(action=AuditAction.DENIED, object_type="admin")
                return TemplateResponse(request, "403.html", status=403)
            response = wrapped(request, *args, **kwargs)
            if self.has_permission(request):
                audit_record(
                    action=AuditAction.VIEW if request.method == "GET" else AuditAction.UPDATE,
                    object_type="admin",
                    object_id=str(kwargs.get("object_id", ""))[:64],
                )
            return response

        audited.access_rule = self.access_rule  # type: ignore[attr-defined]
        audited.csrf_exempt = getattr(wrapped, "csrf_exempt", False)  # type: ignore[attr-defined]
        return audited


# The admin's own sign-in and sign-out hand over to the product's pages.
ClinicAdminSite.login.access_rule = AccessRule(public=True)  # type: ignore[attr-defined]
ClinicAdminSite.logout.access_rule = AccessRule(any_signed_in=True)  # type: ignore[attr-defined]

clinic_admin_site = ClinicAdminSite(name="admin")


class AdminRoleModelAdmin(admin.ModelAdmin):
    """Everything here is the admin role's to see and change; nothing is deleted unless
    the page says `deletable = True` (deleting a weekday's hours closes it)."""

    deletable = False

    # The browser's date picker (no ambiguous 08/12/2026), bounded like every form date.
    formfield_overrides = {
        models.DateField: {
            "form_class": ClinicDateField,
            "widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
    }

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Only the filters the page offers: Django would also allow any lookup on the
        # model's own fields (e.g. `?password__startswith=` reads a hash letter by letter).
        offered = {
            (item if isinstance(item, str) else item[0]).split("__")[0] for item in self.list_filter
        }
        if self.date_hierarchy:
            offered.add(self.date_hierarchy)
        return lookup.split("__")[0] in offered and not lookup.startswith("password")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and may(request.user, permissions.ADMINISTER)


class PerLocationAdmin(AdminRoleModelAdmin):
    """A list of rows that each belong to a location (chairs, opening hours, closures):
    filtered by location, the location read with the rows (one query for the page)."""

    list_filter = ["location"]
    list_select_related = ["location"]


class AdminRoleInline(InlineModelAdmin):
    """Rows edited on their parent's page by the admin role; deleted only when the
    inline says `deletable = True`."""

    deletable = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and may(request.user, permissions.ADMINISTER)


class ReadOnlyAdmin(AdminRoleModelAdmin):
    """Shown, never changed here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
