"""Blind counts and inventories, and the discrepancies a difference opens."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clinic.choices import AuditAction, Role
from clinic.models import AuditEvent
from controlled.choices import CountPurpose, DiscrepancyStatus, EntryKind
from controlled.models import Discrepancy, LedgerEntry, StockCount, TheftLossCase
from controlled.services.counts import (
    CountedLot,
    count_submit,
    discrepancy_resolve,
)
from tests.controlled.counts_support import count_post, manager, person, stocked_lot
from tests.factories.clinic import PASSWORD

pytestmark = pytest.mark.django_db


def _count(lot, actor, full: int, opened: str = "0", **kwargs):  # type: ignore[no-untyped-def]
    return count_submit(
        location=lot.location,
        purpose=kwargs.pop("purpose", CountPurpose.COUNT),
        lines=[CountedLot(lot.pk, full, Decimal(opened))],
        password=PASSWORD,
        actor=actor,
        **kwargs,
    )


def test_the_count_form_never_shows_the_expected_balance(login) -> None:
    lot = stocked_lot(containers=3)  # 30 mL, 1500 mg
    client = login(manager())
    page = client.get(reverse("count_new", args=[lot.location_id, "count"])).content.decode()
    assert lot.lot_number in page
    assert "Full containers" in page
    for expected in ("30", "30.00", "1500", "1500.00", "1,500"):
        assert f">{expected}<" not in page and f'value="{expected}"' not in page
    assert "records' balance is shown once you sign" in page


def test_a_matching_count_is_signed_and_the_result_shows_expected_and_counted(login) -> None:
    lot = stocked_lot(containers=3)
    counter = manager()
    client = login(counter)
    response = client.post(
        reverse("count_new", args=[lot.location_id, "count"]),
        count_post([lot], full={lot.pk: 2}, opened={lot.pk: "10"}),
    )
    count = StockCount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("count_result", args=[count.pk])
    line = count.lines.get()
    assert (line.counted_units, line.expected_units) == (Decimal(30), Decimal(30))
    assert count.signature == "Maya Okafor"
    assert not Discrepancy.objects.exists()
    result = client.get(response["Location"]).content.decode()
    assert "Every lot matches the records." in result
    assert AuditEvent.objects.filter(action=AuditAction.SIGN, object_id=str(count.pk)).exists()


def test_a_short_count_opens_a_discrepancy_shown_after_signing(login) -> None:
    lot = stocked_lot(containers=3)
    client = login(manager())
    response = client.post(
        reverse("count_new", args=[lot.location_id, "count"]),
        count_post([lot], full={lot.pk: 2}, opened={lot.pk: "7.5"}),
    )
    result = client.get(response["Location"]).content.decode()
    assert "1 lot differs from the records." in result
    assert "-2.5 mL" in result
    assert Discrepancy.objects.get().status == DiscrepancyStatus.OPEN


@pytest.mark.parametrize(
    ("full", "opened", "message"),
    [
        ("-1", "0", "Cannot be negative."),
        ("two", "0", "Enter a whole number"),
        ("2", "abc", "Enter a number"),
        ("2", "-0.5", "Cannot be negative."),
    ],
)
def test_bad_numbers_are_refused_next_to_the_field_and_the_input_is_kept(
    login, full, opened, message
) -> None:
    lot = stocked_lot()
    client = login(manager())
    response = client.post(
        reverse("count_new", args=[lot.location_id, "count"]),
        count_post([lot], full={lot.pk: full}, opened={lot.pk: opened}),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'value="{full}"' in page and f'value="{opened}"' in page
    assert 'aria-invalid="true"' in page
    assert not StockCount.objects.exists()


def test_a_wrong_password_signs_nothing(login) -> None:
    lot = stocked_lot()
    client = login(manager())
    response = client.post(
        reverse("count_new", args=[lot.location_id, "count"]),
        count_post([lot], full={lot.pk: 2}, password="not-my-password"),
    )
    assert response.status_code == 200
    assert "Your password did not match" in response.content.decode()
    assert not StockCount.objects.exists()


def test_only_the_manager_counts() -> None:
    lot = stocked_lot()
    nurse = person(Role.NURSE, lot.location)
    with pytest.raises(PermissionDenied):
        _count(lot, nurse, 2)


def test_an_inventory_states_opening_or_close_and_the_first_is_the_initial_one() -> None:
    lot = stocked_lot()
    counter = manager(lot.location)
    with pytest.raises(ValidationError, match="opening or the close"):
        _count(lot, counter, 2, purpose=CountPurpose.INITIAL)
    with pytest.raises(ValidationError, match="no initial inventory"):
        _count(lot, counter, 2, purpose=CountPurpose.BIENNIAL, business_time="close")
    _count(lot, counter, 2, purpose=CountPurpose.INITIAL, business_time="opening")
    with pytest.raises(ValidationError, match="already has its initial inventory"):
        _count(lot, counter, 2, purpose=CountPurpose.INITIAL, business_time="opening")
    biennial = _count(lot, counter, 2, purpose=CountPurpose.BIENNIAL, business_time="close")
    assert biennial.get_business_time_display() == "At the close of business"


def test_an_inventory_form_without_opening_or_close_keeps_the_counts(login) -> None:
    lot = stocked_lot()
    client = login(manager())
    response = client.post(
        reverse("count_new", args=[lot.location_id, "initial"]),
        count_post([lot], full={lot.pk: 2}),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "opening or the close of business" in page
    assert 'value="2"' in page


def test_resolving_posts_an_adjustment_bringing_the_lot_to_the_count() -> None:
    lot = stocked_lot(containers=3)
    counter = manager(lot.location)
    psychiatrist = person(Role.PSYCHIATRIST, lot.location)
    _count(lot, counter, 2, "8")
    discrepancy = Discrepancy.objects.get()
    with pytest.raises(ValidationError, match="Explain"):
        discrepancy_resolve(discrepancy=discrepancy, explanation="  ", actor=psychiatrist)
    with pytest.raises(PermissionDenied):
        discrepancy_resolve(discrepancy=discrepancy, explanation="Spill", actor=counter)
    discrepancy_resolve(
        discrepancy=discrepancy, explanation="Vial cracked during the draw", actor=psychiatrist
    )
    lot.refresh_from_db()
    assert lot.balance_units == Decimal(28)
    adjustment = LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert adjustment.units == Decimal(-2)
    assert adjustment.discrepancy_id == discrepancy.pk
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.RESOLVED
    with pytest.raises(ValidationError, match="already decided"):
        discrepancy_resolve(discrepancy=discrepancy, explanation="again", actor=psychiatrist)


def test_an_adjustment_that_would_go_below_zero_is_refused_with_the_balance() -> None:
    from controlled.services.posting import post_entry

    lot = stocked_lot(containers=1)  # 10 mL
    counter = manager(lot.location)
    psychiatrist = person(Role.PSYCHIATRIST, lot.location)
    _count(lot, counter, 0, "4")  # 6 mL short
    # 8 mL given after the count: adjusting by -6 would leave -4.
    post_entry(
        lot=lot, kind=EntryKind.CORRECTION, units=Decimal(-8), actor=counter,
        occurred_at=StockCount.objects.get().counted_at,
        corrects=LedgerEntry.objects.get(kind=EntryKind.RECEIPT),
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        discrepancy_resolve(
            discrepancy=Discrepancy.objects.get(), explanation="Spill", actor=psychiatrist
        )
    assert "Not enough stock" in str(refused.value.message_dict["explanation"])
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT).exists()


def test_escalating_opens_a_case_with_its_deadlines_and_records_the_loss(login) -> None:
    lot = stocked_lot(containers=3)
    counter = manager(lot.location)
    psychiatrist = person(Role.PSYCHIATRIST, lot.location)
    _count(lot, counter, 1)
    discrepancy = Discrepancy.objects.get()
    client = login(psychiatrist)
    page = client.get(reverse("discrepancy_decide", args=[discrepancy.pk])).content.decode()
    assert "-20 mL" in page and "Escalate" in page
    response = client.post(
        reverse("discrepancy_decide", args=[discrepancy.pk]),
        {"explanation": "Two vials missing from the safe", "decision": "escalate"},
    )
    case = TheftLossCase.objects.get()
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert case.discovered_by == counter
    assert "Two vials missing" in case.description
    discrepancy.refresh_from_db()
    assert (discrepancy.status, discrepancy.case) == (DiscrepancyStatus.ESCALATED, case)
    lot.refresh_from_db()
    assert lot.balance_units == Decimal(10)


def test_the_resolution_page_keeps_the_explanation_when_refused(login) -> None:
    lot = stocked_lot()
    _count(lot, manager(lot.location), 1)
    discrepancy = Discrepancy.objects.get()
    client = login(person(Role.PSYCHIATRIST, lot.location))
    response = client.post(
        reverse("discrepancy_decide", args=[discrepancy.pk]),
        {"explanation": "", "decision": "resolve"},
    )
    assert response.status_code == 200
    assert "Explain the difference" in response.content.decode()


def test_a_count_of_another_location_is_not_found(login) -> None:
    from tests.factories import LocationFactory

    lot = stocked_lot()
    count = _count(lot, manager(lot.location), 2)
    elsewhere = manager(LocationFactory(name="Harbor Point", dea_number="FH7654329"))
    response = login(elsewhere).get(reverse("count_result", args=[count.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).exists()


def test_the_count_pages_do_not_grow_their_queries_with_lots(login, page_queries) -> None:
    from tests.factories import LotFactory

    counter = manager()
    first = stocked_lot()
    client = login(counter)
    count = _count(first, counter, 2)
    with page_queries() as few:
        client.get(reverse("count_new", args=[first.location_id, "count"]))
    with page_queries() as few_result:
        client.get(reverse("count_result", args=[count.pk]))
    lots = [first] + [stocked_lot() for _ in range(15)] + [LotFactory() for _ in range(5)]
    bigger = count_submit(
        location=first.location, purpose=CountPurpose.COUNT,
        lines=[CountedLot(lot.pk, 1, Decimal(0)) for lot in lots],
        password=PASSWORD, actor=counter,
    )  # fmt: skip
    with page_queries() as many:
        client.get(reverse("count_new", args=[first.location_id, "count"]))
    with page_queries() as many_result:
        client.get(reverse("count_result", args=[bigger.pk]))
    assert len(many) <= len(few) <= 15
    assert len(many_result) <= len(few_result) <= 15


def test_only_the_manager_opens_the_count_pages(login) -> None:
    lot = stocked_lot()
    counter = manager(lot.location)
    count = _count(lot, counter, 2)
    urls = [
        reverse("controlled_counts"),
        reverse("count_new", args=[lot.location_id, "count"]),
        reverse("count_new", args=[lot.location_id, "initial"]),
        reverse("count_result", args=[count.pk]),
        reverse("destruction_new", args=[lot.location_id]),
    ]
    manager_client = login(counter)
    for url in urls:
        assert manager_client.get(url).status_code == 200, url
    for role in (Role.NURSE, Role.PSYCHIATRIST, Role.COORDINATOR, Role.ADMIN):
        other = login(person(role, lot.location))
        for url in urls:
            assert other.get(url).status_code == 403, (role, url)
    # The manager also reads the reports.
    assert manager_client.get(reverse("controlled_reports")).status_code == 200
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, user=counter)
    assert {"controlled.counts", "controlled.count_form", "controlled.count"} <= set(
        views.values_list("object_type", flat=True)
    )


def test_the_manager_finds_counts_cases_and_reports_on_the_menu() -> None:
    from clinic.context_processors import menu_for

    entries = {
        entry.label: [link.label for link in entry.links] for entry in menu_for(manager(), "/")
    }
    offered = set(entries) | {label for links in entries.values() for label in links}
    assert "Counts and inventories" in offered
    assert {"Theft or loss cases", "Controlled-substance reports"} <= set(entries["Reviews"])


def test_devices_are_counted_whole() -> None:
    from tests.factories import ProductFactory

    lot = stocked_lot(product=ProductFactory(esketamine=True))
    with pytest.raises(ValidationError, match="counted whole"):
        _count(lot, manager(lot.location), 1, "0.5")
    assert _count(lot, manager(lot.location), 2).lines.get().counted_units == 2


def test_an_unknown_kind_of_count_leads_back_to_the_counts(login) -> None:
    lot = stocked_lot()
    response = login(manager()).get(reverse("count_new", args=[lot.location_id, "weekly"]))
    assert response["Location"] == reverse("controlled_counts")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("purpose", "seen"),
    [(CountPurpose.COUNT, True), (CountPurpose.INITIAL, True), (CountPurpose.INITIAL, False)],
)
def test_two_managers_signing_the_same_count_at_once_record_exactly_one(purpose, seen) -> None:
    """Two managers, two real connections, the same blind count signed at the same moment:
    one count is recorded, the other is refused with a message saying whose count was
    recorded. An initial inventory is refused even without the form's token (the service
    checks again once it holds the location)."""
    from django.db import connection

    from controlled.selectors.records import latest_count_id
    from tests.concurrency import run_together

    assert connection.vendor == "postgresql", "CI runs this against PostgreSQL"
    lot = stocked_lot()
    first, second = manager(lot.location), manager(lot.location)
    second.first_name, second.last_name = "Sam", "Ortiz"
    second.save(update_fields=["first_name", "last_name"])
    token = latest_count_id(lot.location) if seen else None

    def sign(who):  # type: ignore[no-untyped-def]
        return lambda: count_submit(
            location=lot.location, purpose=purpose, business_time="opening",
            lines=[CountedLot(lot.pk, 2, Decimal(0))], password=PASSWORD, actor=who,
            last_count_seen=token,
        )  # fmt: skip

    outcomes = run_together(sign(first), sign(second))
    assert sorted(outcomes)[0] == "done", outcomes
    refused = sorted(outcomes)[1]
    assert refused.startswith("refused: "), outcomes
    if seen:
        recorded = StockCount.objects.get()
        assert f"{recorded.counted_by.display_name} recorded a" in refused
        assert "yours was not recorded" in refused
    else:
        assert "already has its initial inventory" in refused
    assert StockCount.objects.count() == 1


def test_the_count_page_refuses_a_count_another_manager_recorded_meanwhile(login) -> None:
    lot = stocked_lot()
    first, second = manager(lot.location), manager(lot.location)
    url = reverse("count_new", args=[lot.location_id, "count"])
    mine, theirs = login(first), login(second)
    page = mine.get(url).content.decode()
    assert 'name="last_count" value="0"' in page
    data = count_post([lot], full={lot.pk: 2}, last_count="0")
    assert theirs.post(url, data).status_code == 302
    response = mine.post(url, data)
    assert response.status_code == 200
    assert "while you were counting, so yours was not recorded" in response.content.decode()
    assert StockCount.objects.count() == 1
    # A token that is not a count id (the page never sends one) is no error: it is ignored.
    assert mine.post(url, {**data, "last_count": "9" * 40}).status_code == 302
    latest = StockCount.objects.latest("pk").pk
    assert f'name="last_count" value="{latest}"' in mine.get(url).content.decode()


def test_the_counts_overview_keeps_its_queries_at_ten_locations(login, page_queries) -> None:
    from tests.factories import LocationFactory

    first = stocked_lot()
    counter = manager(first.location)
    _count(first, counter, 2)
    client = login(counter)
    client.get(reverse("controlled_counts"))  # the first request of a test makes the settings
    with page_queries() as one_location:
        page = client.get(reverse("controlled_counts"))
    assert page.status_code == 200
    for n in range(9):
        site = LocationFactory(name=f"Site {n}", dea_number="")
        counter.locations.add(site)
        _count(stocked_lot(location=site), counter, 2)
    with page_queries() as ten_locations:
        page = client.get(reverse("controlled_counts"))
    assert page.content.decode().count("Count stock") == 10
    assert len(ten_locations) <= len(one_location) <= 12
