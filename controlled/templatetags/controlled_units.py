"""`{{ quantity|units:product }}`: "30 mL", "1 device", "3 devices" (no trailing zeros)."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def units(quantity: Decimal | int | None, product: object) -> str:
    if quantity is None:
        return ""
    amount = Decimal(quantity)
    shown = f"{amount.normalize():f}"
    unit = getattr(product, "unit", "")
    if unit != "mL" and abs(amount) != 1:
        unit += "s"
    return f"{shown} {unit}"
