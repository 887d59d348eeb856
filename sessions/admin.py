"""Protocols, dose limits and REMS form versions in the clinic's admin (admin role only;
editable, never deleted)."""

from __future__ import annotations

from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from clinic.admin import AdminRoleModelAdmin, clinic_admin_site
from sessions.models import Protocol, RemsFormVersion, SessionSafetySettings


class ProtocolAdmin(AdminRoleModelAdmin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "route",
        "default_sessions",
        "per_week",
        "min_days_between",
        "chair_block_minutes",
        "observation_minutes",
        "is_active",
    ]
    list_filter = ["route", "is_active"]


class SessionSafetySettingsAdmin(AdminRoleModelAdmin, SimpleHistoryAdmin):
    """The clinic's dose limits (`sessions.dosing.DoseLimits`) and pregnancy-test policy."""

    fieldsets = [
        (
            "Dose limits (plan, amendment and dose record alike)",
            {
                "fields": [
                    ("iv_usual_mg_per_kg", "iv_max_mg_per_kg"),
                    ("im_usual_mg_per_kg", "im_max_mg_per_kg"),
                    "max_total_mg",
                    ("oral_usual_mg", "oral_max_mg"),
                    "iv_min_infusion_minutes",
                    "infusion_tolerance_percent",
                    "weight_change_percent",
                ]
            },
        ),
        ("Pregnancy tests", {"fields": ["pregnancy_test_policy"]}),
        ("Spravato REMS", {"fields": ["rems_form_version"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a single row, created on first use


class RemsFormVersionAdmin(AdminRoleModelAdmin, SimpleHistoryAdmin):
    list_display = ["title", "code", "effective_from"]


clinic_admin_site.register(Protocol, ProtocolAdmin)
clinic_admin_site.register(SessionSafetySettings, SessionSafetySettingsAdmin)
clinic_admin_site.register(RemsFormVersion, RemsFormVersionAdmin)
