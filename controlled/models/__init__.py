"""The controlled-substance record (spec controlled-substances.md §2), one module per
concept: append-only records, stock (products and lots), the ledger (entries, receipts,
destructions), counts and their discrepancies, theft or loss cases, the ledger's settings,
and report files.

Stock is held per location (DEA registration), product and lot. Every movement is a
`LedgerEntry`; entries are append-only (refused here and, on PostgreSQL, by a trigger) and
a mistake is corrected by a new entry naming the one it corrects. A lot's balance is the
sum of its entries, kept on the lot's own row, which every posting locks
(`select_for_update`), so two nurses drawing from one lot at once never both pass zero;
a check constraint refuses a negative balance as the last line of defence.

Quantities are kept twice, as the records must state them: in milligrams and in the
product's unit (millilitres of a vial's solution, or nasal devices).
"""

from controlled.models.append_only import APPEND_ONLY, AppendOnly, AppendOnlyQuerySet
from controlled.models.counts import CountLine, Discrepancy, StockCount
from controlled.models.ledger import Destruction, LedgerEntry, Receipt
from controlled.models.ledger_settings import LedgerSettings
from controlled.models.stock import NAMED_PATIENT_DAYS, Lot, Product
from controlled.models.theft_loss import TheftLossCase

# A report rendered by a worker (its own module: the package above holds the ledger).
from controlled.report_file import ReportFile

__all__ = [
    "APPEND_ONLY",
    "NAMED_PATIENT_DAYS",
    "AppendOnly",
    "AppendOnlyQuerySet",
    "CountLine",
    "Destruction",
    "Discrepancy",
    "LedgerEntry",
    "LedgerSettings",
    "Lot",
    "Product",
    "Receipt",
    "ReportFile",
    "StockCount",
    "TheftLossCase",
]
