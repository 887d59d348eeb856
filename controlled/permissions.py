"""The controlled-substance record's actions in the one access policy (`clinic.policy`).

The controlled-substance manager (given by the admin, typically to a nurse lead or a
psychiatrist) receives stock, counts, takes inventories, destroys stock and opens theft
or loss cases. Nurses post administrations and waste through the dose record (the
sessions app's own action); any nurse or psychiatrist may witness waste. A psychiatrist
resolves discrepancies. Everyone's every ledger view is audited (`controlled.selectors`).
"""

from __future__ import annotations

from clinic.choices import Role
from clinic.policy import define

MANAGER = Role.CONTROLLED_SUBSTANCE_MANAGER

VIEW_LEDGER = define(
    "controlled.view_ledger",
    {MANAGER, Role.PSYCHIATRIST, Role.NURSE},
    "Read a location's controlled-substance stock: lots, balances and ledger entries",
)
RECEIVE_STOCK = define(
    "controlled.receive_stock",
    {MANAGER},
    "Record controlled-substance stock received from a supplier (lots, containers)",
)
COUNT_STOCK = define(
    "controlled.count_stock",
    {MANAGER},
    "Count a location's stock blind, and take its initial and biennial inventories",
)
DESTROY_STOCK = define(
    "controlled.destroy_stock",
    {MANAGER},
    "Record the destruction of expired or damaged stock with two witnesses (DEA Form 41)",
)
WITNESS = define(
    "controlled.witness",
    {MANAGER, Role.NURSE, Role.PSYCHIATRIST},
    "Witness waste or a destruction, confirming with one's own password",
)
RESOLVE_DISCREPANCY = define(
    "controlled.resolve_discrepancy",
    {Role.PSYCHIATRIST},
    "Resolve a count discrepancy with an explanation (an adjustment entry), or escalate it",
)
MANAGE_CASES = define(
    "controlled.manage_cases",
    {MANAGER, Role.PSYCHIATRIST},
    "Open a theft or loss case and mark its DEA notice and Form 106 done",
)
READ_REPORTS = define(
    "controlled.read_reports",
    {MANAGER, Role.PSYCHIATRIST},
    "Download the controlled-substance reports and inventories (PDF, CSV)",
)
