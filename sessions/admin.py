"""Protocols in the clinic's admin (admin role only; editable, never deleted)."""

from __future__ import annotations

from simple_history.admin import SimpleHistoryAdmin

from clinic.admin import AdminRoleModelAdmin, clinic_admin_site
from sessions.models import Protocol


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


clinic_admin_site.register(Protocol, ProtocolAdmin)
