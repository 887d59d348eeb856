"""Helpers of the count, case, destruction and report tests: people at the test
location, and stock received through the ledger's one posting path."""

from __future__ import annotations

from decimal import Decimal

from clinic.choices import Role
from clinic.models import Location, User
from controlled.models import Lot
from tests.factories import LedgerEntryFactory, LocationFactory, LotFactory, StaffFactory
from tests.factories.clinic import PASSWORD


def person(role: str, location: Location | None = None, **names: str) -> User:
    user = StaffFactory(roles=[role], **names)
    user.locations.add(location or LocationFactory())
    return user


def manager(location: Location | None = None) -> User:
    return person(
        Role.CONTROLLED_SUBSTANCE_MANAGER, location, first_name="Maya", last_name="Okafor"
    )


def stocked_lot(containers: int = 2, **lot: object) -> Lot:
    """A lot holding `containers` full 10 mL vials of ketamine 50 mg/mL (a receipt)."""
    found = LotFactory(**lot)
    LedgerEntryFactory(lot=found, containers=containers)
    found.refresh_from_db()
    return found


def count_post(lots: list[Lot], *, full: dict[int, object], opened: dict[int, object] | None = None,
               password: str = PASSWORD, **extra: str) -> dict[str, object]:  # fmt: skip
    data: dict[str, object] = {"password": password, "note": "", **extra}
    for lot in lots:
        data[f"full_{lot.pk}"] = full.get(lot.pk, 0)
        data[f"opened_{lot.pk}"] = (opened or {}).get(lot.pk, "0")
    return data


TEN = Decimal(10)


def pdf_text(data: bytes) -> str:
    import subprocess

    assert data.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())
