from __future__ import annotations

from django.urls import path

from controlled.views import stock

urlpatterns = [
    path("controlled/", stock.stock, name="controlled_stock"),
    path("controlled/lots/<int:lot_id>/", stock.lot_ledger, name="controlled_lot"),
    path("controlled/receipts/new/", stock.receipt_new, name="controlled_receipt_new"),
]
