"""Protocols, dose limits, vital-sign limits and REMS form versions in the clinic's admin
(admin role only; editable, never deleted)."""

from __future__ import annotations

from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from clinic.admin import (
    CLINIC_SETTINGS_PARTS,
    AdminRoleModelAdmin,
    ClinicSettingsPart,
    clinic_admin_site,
)
from sessions.models import Protocol, RemsFormVersion, SessionSafetySettings, VitalLimitSettings


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


class VitalLimitsPart(ClinicSettingsPart):
    """The vital-sign limits, on the clinic settings page where the admin has always set
    them (one place to edit them; simple_history keeps every change)."""

    model = VitalLimitSettings
    fieldsets = [
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


class RemsFormVersionAdmin(AdminRoleModelAdmin, SimpleHistoryAdmin):
    list_display = ["title", "code", "effective_from"]


clinic_admin_site.register(Protocol, ProtocolAdmin)
clinic_admin_site.register(SessionSafetySettings, SessionSafetySettingsAdmin)
clinic_admin_site.register(RemsFormVersion, RemsFormVersionAdmin)
CLINIC_SETTINGS_PARTS.append(VitalLimitsPart)
