from __future__ import annotations

from django.urls import path

from controlled.views import cases, counts, reports, stock

urlpatterns = [
    path("", stock.stock, name="controlled_stock"),
    path("lots/<int:lot_id>/", stock.lot_ledger, name="controlled_lot"),
    path("receipts/new/", stock.receipt_new, name="controlled_receipt_new"),
    path("counts/", counts.counts_overview, name="controlled_counts"),
    path("counts/<int:location_id>/new/<str:purpose>/", counts.count_new, name="count_new"),
    path("counts/<int:count_id>/", counts.count_result, name="count_result"),
    path("destructions/<int:location_id>/new/", counts.destruction_new, name="destruction_new"),
    path(
        "destructions/<int:destruction_id>/form-41.pdf",
        reports.destruction_download,
        name="destruction_download",
    ),
    path("discrepancies/", cases.discrepancy_list, name="discrepancy_list"),
    path(
        "discrepancies/<int:discrepancy_id>/", cases.discrepancy_decide, name="discrepancy_decide"
    ),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/<int:case_id>/", cases.case_detail, name="case_detail"),
    path("reports/", reports.reports, name="controlled_reports"),
    path("reports/download/", reports.report_download, name="report_download"),
    path("reports/request/", reports.report_request, name="report_request"),
    path("reports/files/", reports.report_files, name="report_files"),
    path(
        "reports/files/<int:report_file_id>/download/",
        reports.report_file_download,
        name="report_file_download",
    ),
    path(
        "inventories/<int:count_id>/inventory.pdf",
        reports.inventory_download,
        name="inventory_download",
    ),
]
