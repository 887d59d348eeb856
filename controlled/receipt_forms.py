"""The receipt form: the supplier, the invoice and the date, then one line per lot
received (a formset). Bad input is shown next to its field with everything typed kept."""

from __future__ import annotations

from typing import Any

from django import forms

from clinic.fields import ClinicDateField
from clinic.models import Patient
from controlled.models import Product


class ReceiptForm(forms.Form):
    supplier_name = forms.CharField(label="Supplier", max_length=160)
    supplier_address = forms.CharField(label="Supplier's address", max_length=300)
    supplier_dea = forms.CharField(
        label="Supplier's DEA number",
        max_length=9,
        help_text="Two letters and seven digits, as on the invoice (checked).",
    )
    invoice_number = forms.CharField(label="Invoice or order number", max_length=60)
    received_on = ClinicDateField(
        label="Date received", widget=forms.DateInput(attrs={"type": "date"})
    )


class ReceiptLineForm(forms.Form):
    product = forms.ModelChoiceField(label="Product", queryset=Product.objects.none())
    lot_number = forms.CharField(label="Lot", max_length=40)
    expires_on = ClinicDateField(label="Expiry", widget=forms.DateInput(attrs={"type": "date"}))
    containers = forms.IntegerField(
        label="Containers",
        help_text="Vials, or devices.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    named_patient = forms.ModelChoiceField(
        label="For one patient (esketamine)",
        queryset=Patient.objects.none(),
        required=False,
        help_text="Devices a specialty pharmacy dispensed for this patient only.",
    )

    def __init__(self, *args: Any, patients: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)
        self.fields["named_patient"].queryset = (
            patients if patients is not None else Patient.objects.none()
        )
        self.fields["named_patient"].label_from_instance = lambda p: p.name_for_list


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        filled = [form for form in self.forms if form.has_changed()]
        if not filled:
            raise forms.ValidationError("Add at least one line: the product, lot and containers.")


ReceiptLineFormSet = forms.formset_factory(
    ReceiptLineForm, formset=BaseLineFormSet, extra=3, max_num=20, validate_max=True
)
