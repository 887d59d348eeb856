"""The admin edits the products the clinic stocks and each location's ledger settings
(the waste witness, the retention, the biennial inventory date)."""

from __future__ import annotations

from clinic.admin import AdminRoleModelAdmin, clinic_admin_site
from controlled.models import LedgerSettings, Product


class ProductAdmin(AdminRoleModelAdmin):
    list_display = ["name", "drug", "ndc", "form", "strength_mg", "container_units", "is_active"]
    list_filter = ["drug", "form", "is_active"]
    search_fields = ["name", "ndc"]


class LedgerSettingsAdmin(AdminRoleModelAdmin):
    list_display = ["location", "waste_witness_required", "retention_years", "biennial_due_on"]


clinic_admin_site.register(Product, ProductAdmin)
clinic_admin_site.register(LedgerSettings, LedgerSettingsAdmin)
