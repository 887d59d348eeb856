"""The admin edits the products the clinic stocks and each location's ledger settings:
the waste witness, how long records are kept (never under 2 years: 21 CFR 1304.04,
21 USC 827) and a state's earlier biennial inventory date. Imported from
ControlledConfig.ready()."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from clinic.admin import AdminRoleModelAdmin, clinic_admin_site
from controlled.models import LedgerSettings, Product


class ProductAdmin(AdminRoleModelAdmin):
    list_display = ["name", "drug", "ndc", "form", "strength_mg", "container_units", "is_active"]
    list_filter = ["drug", "form", "is_active"]
    search_fields = ["name", "ndc"]


class LedgerSettingsForm(forms.ModelForm):
    class Meta:
        model = LedgerSettings
        fields = ["location", "waste_witness_required", "retention_years", "biennial_due_on"]

    def clean_retention_years(self) -> int:
        years = self.cleaned_data["retention_years"]
        if years is None or years < 2:
            raise forms.ValidationError(
                "Controlled-substance records are kept at least 2 years (21 CFR 1304.04); "
                "enter 2 or more (some states ask 3)."
            )
        return years


class LedgerSettingsAdmin(AdminRoleModelAdmin):
    form = LedgerSettingsForm
    list_display = ["location", "waste_witness_required", "retention_years", "biennial_due_on"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


clinic_admin_site.register(Product, ProductAdmin)
clinic_admin_site.register(LedgerSettings, LedgerSettingsAdmin)
