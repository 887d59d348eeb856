"""The clinic's Django admin: for the `admin` role only, no clinical free text, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from simple_history.admin import SimpleHistoryAdmin

from clinic import services
from clinic.access import AccessRule
from clinic.audit import audit_record
from clinic.choices import AuditAction, Role
from clinic.models import Chair, ClinicSettings, Closure, OpeningHours, StaffRole, User


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"
    site_title = "Clinic administration"
    index_title = "Users, chairs, hours, closures and settings"
    access_rule = AccessRule(roles=frozenset({Role.ADMIN}))

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_authenticated and user.has_role(Role.ADMIN)

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
                audit_record(action=AuditAction.DENIED, request=request, object_type="admin")
                return TemplateResponse(request, "403.html", status=403)
            response = wrapped(request, *args, **kwargs)
            if self.has_permission(request):
                audit_record(
                    action=AuditAction.VIEW if request.method == "GET" else AuditAction.UPDATE,
                    request=request,
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
    """Everything here is the admin role's to see and change; nothing is deleted."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ClinicSettingsAdmin(AdminRoleModelAdmin, SimpleHistoryAdmin):
    fieldsets = [
        ("Clinic", {"fields": ["name", "time_zone", "phone", "email", "address", "paper_size"]}),
        (
            "Operations",
            {
                "fields": [
                    "nurse_capacity",
                    "invitation_valid_days",
                    "sms_quiet_start",
                    "sms_quiet_end",
                    "rems_certification_id",
                    "rems_certified_on",
                ]
            },
        ),
        (
            "Vital-sign alert limits",
            {
                "fields": [
                    ("bp_high_warning_systolic", "bp_high_warning_diastolic"),
                    ("bp_high_critical_systolic", "bp_high_critical_diastolic"),
                    ("bp_low_warning", "bp_low_critical"),
                    ("hr_high_warning", "hr_high_critical"),
                    ("hr_low_warning", "hr_low_critical"),
                    ("spo2_low_warning", "spo2_low_critical"),
                    ("rr_low_warning", "rr_low_critical"),
                    ("rr_high_warning", "rr_high_critical"),
                    "bp_rise_warning",
                ]
            },
        ),
        (
            "Pre-dose gate limits",
            {
                "fields": [
                    ("predose_bp_esketamine_systolic", "predose_bp_esketamine_diastolic"),
                    ("predose_bp_esketamine_65_systolic", "predose_bp_esketamine_65_diastolic"),
                    ("predose_bp_other_systolic", "predose_bp_other_diastolic"),
                    ("predose_hr_low", "predose_hr_high"),
                    "predose_spo2",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a single row, created on first use


class OpeningHoursAdmin(AdminRoleModelAdmin):
    list_display = ["weekday", "opens_at", "closes_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)  # deleting a weekday closes it


class ClosureAdmin(AdminRoleModelAdmin):
    list_display = ["date", "reason"]
    date_hierarchy = "date"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)


class ChairAdmin(AdminRoleModelAdmin):
    list_display = ["name", "room", "is_active", "display_order"]
    list_editable = ["is_active", "display_order"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1
    fields = ["role", "granted_at"]
    readonly_fields = ["granted_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN) and not (obj and obj.is_patient_account)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)


class ClinicUserAdmin(AdminRoleModelAdmin, UserAdmin):
    list_display = ["username", "display_name", "account_type", "roles", "is_active", "last_login"]
    list_filter = ["account_type", "is_active", "staff_roles__role"]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [StaffRoleInline]
    fieldsets = [
        (None, {"fields": ["username", "password", "account_type"]}),
        (
            "Person",
            {"fields": ["display_title", "first_name", "last_name", "credentials", "email"]},
        ),
        ("Status", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "account_type", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_authenticator"]

    @admin.action(description="Reset authenticator app (they set it up again at next sign-in)")
    def reset_authenticator(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for user in queryset:
            count += services.staff_reset_authenticator(
                user=user, actor=request.user, request=request
            )
        self.message_user(request, f"Authenticator reset for {count} account(s).")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("staff_roles")

    @admin.display(description="Roles")
    def roles(self, user: User) -> str:
        return ", ".join(role.get_role_display() for role in user.staff_roles.all())


class ClinicPeriodicTaskAdmin(AdminRoleModelAdmin, PeriodicTaskAdmin):
    pass


clinic_admin_site.register(ClinicSettings, ClinicSettingsAdmin)
clinic_admin_site.register(OpeningHours, OpeningHoursAdmin)
clinic_admin_site.register(Closure, ClosureAdmin)
clinic_admin_site.register(Chair, ChairAdmin)
clinic_admin_site.register(User, ClinicUserAdmin)
clinic_admin_site.register(PeriodicTask, ClinicPeriodicTaskAdmin)
clinic_admin_site.register(IntervalSchedule, AdminRoleModelAdmin)
clinic_admin_site.register(CrontabSchedule, AdminRoleModelAdmin)
