"""Theft or loss cases: the DEA notice by the next business day, Form 106 within 45
days, both counting down on the manager's home page until marked done; and the other
warnings the home page gives (inventory due, discrepancies, named-patient devices)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic import clock
from clinic.choices import Role
from controlled.choices import CountPurpose
from controlled.models import TheftLossCase
from controlled.services.cases import (
    case_form_106_filed,
    case_notice_sent,
    case_open,
    deadlines,
    next_business_day,
)
from tests.controlled.counts_support import manager, person, stocked_lot
from tests.factories import (
    CountLineFactory,
    DiscrepancyFactory,
    LedgerSettingsFactory,
    LocationFactory,
    StockCountFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("discovered", "notice"),
    [
        ("2026-11-30", "2026-12-01"),  # Monday -> Tuesday
        ("2026-12-04", "2026-12-07"),  # Friday -> Monday
        ("2026-12-05", "2026-12-07"),  # Saturday -> Monday
        ("2026-12-06", "2026-12-07"),  # Sunday -> Monday
    ],
)
def test_the_notice_is_due_the_next_business_day(discovered, notice) -> None:
    assert next_business_day(dt.date.fromisoformat(discovered)) == dt.date.fromisoformat(notice)


def test_the_deadlines_follow_the_locations_time_zone() -> None:
    location = LocationFactory(name="Honolulu", time_zone="Pacific/Honolulu")
    # Saturday 03:00 UTC is still Friday evening in Honolulu: notice due Monday.
    friday_night = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)
    assert deadlines(friday_night, location) == (dt.date(2026, 12, 7), dt.date(2027, 1, 18))


def test_a_case_is_opened_and_each_deadline_marked_done() -> None:
    lead = manager()
    location = lead.locations.get()
    case = case_open(
        location=location, discovered_at=clock.now(), discovered_by=lead,
        description="One vial missing", actor=lead,
    )  # fmt: skip
    today = timezone.localdate(clock.now(), location.zone)
    assert case.notice_due_on == next_business_day(today)
    assert case.form_106_due_on == today + dt.timedelta(days=45)
    case_notice_sent(case=case, actor=lead)
    with pytest.raises(ValidationError, match="confirmation number"):
        case_form_106_filed(case=case, reference=" ", actor=lead)
    done = case_form_106_filed(case=case, reference="DEA-106-77812", actor=lead)
    assert done.notice_sent_by == lead and done.form_106_reference == "DEA-106-77812"


def test_a_nurse_cannot_open_a_case() -> None:
    nurse = person(Role.NURSE)
    with pytest.raises(PermissionDenied):
        case_open(
            location=nurse.locations.get(), discovered_at=clock.now(), discovered_by=nurse,
            description="x", actor=nurse,
        )  # fmt: skip


def test_the_managers_home_shows_both_countdowns_until_done(login) -> None:
    lead = manager()
    location = lead.locations.get()
    discovered = clock.now() - dt.timedelta(days=10)
    case = case_open(
        location=location, discovered_at=discovered, discovered_by=lead,
        description="Two vials missing", actor=lead,
    )  # fmt: skip
    client = login(lead)
    home = client.get(reverse("home")).content.decode()
    assert "Written notice to the DEA: overdue by" in home
    form_days = (case.form_106_due_on - timezone.localdate(clock.now(), location.zone)).days
    assert f"DEA Form 106: {form_days} days left" in home
    client.post(reverse("case_detail", args=[case.pk]), {"step": "notice"})
    home = client.get(reverse("home")).content.decode()
    assert "Written notice to the DEA" not in home
    assert "DEA Form 106" in home
    client.post(reverse("case_detail", args=[case.pk]), {"step": "form_106", "reference": "C-1"})
    home = client.get(reverse("home")).content.decode()
    assert "DEA Form 106" not in home
    assert TheftLossCase.objects.get().form_106_reference == "C-1"


def test_the_case_form_refuses_a_bad_date_next_to_the_field(login) -> None:
    lead = manager()
    response = login(lead).post(
        reverse("case_new"),
        {
            "discovered_at": "yesterday-ish",
            "location": lead.locations.get().pk,
            "discovered_by": lead.pk,
            "description": "Vial missing",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a date and time" in page
    assert "Vial missing" in page


def test_opening_a_case_through_the_page(login) -> None:
    lead = manager()
    response = login(lead).post(
        reverse("case_new"),
        {
            "discovered_at": "2026-11-27T16:00",
            "location": lead.locations.get().pk,
            "discovered_by": lead.pk,
            "description": "Vial missing",
        },
    )
    case = TheftLossCase.objects.get()
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert case.notice_due_on == dt.date(2026, 11, 30)  # Friday -> Monday


def test_the_home_page_warns_of_the_inventory_due_30_days_before(login) -> None:
    lead = manager()
    location = lead.locations.get()
    client = login(lead)
    assert "has no initial inventory" in client.get(reverse("home")).content.decode()
    StockCountFactory(
        location=location, purpose=CountPurpose.INITIAL, business_time="opening",
        counted_at=clock.now() - dt.timedelta(days=700), counted_by=lead,
    )  # fmt: skip
    home = client.get(reverse("home")).content.decode()
    assert "The biennial inventory of Test Clinic is due in" in home
    LedgerSettingsFactory(location=location, biennial_due_on=clock.localdate() - dt.timedelta(1))
    assert "is overdue" in client.get(reverse("home")).content.decode()


def test_a_recent_inventory_leaves_the_home_page_quiet(login) -> None:
    lead = manager()
    StockCountFactory(
        location=lead.locations.get(), purpose=CountPurpose.INITIAL, business_time="close",
        counted_by=lead,
    )  # fmt: skip
    assert "controlled-heading" not in login(lead).get(reverse("home")).content.decode()


def test_a_psychiatrist_sees_the_discrepancies_waiting(login) -> None:
    psychiatrist = person(Role.PSYCHIATRIST)
    DiscrepancyFactory(line=CountLineFactory(count=StockCountFactory(), expected_units=1))
    home = login(psychiatrist).get(reverse("home")).content.decode()
    assert "1 count discrepancy" in home


def test_the_home_page_names_named_patient_devices_due_for_disposal(login) -> None:
    from tests.factories import PatientFactory, ProductFactory

    lead = manager()
    stocked_lot(
        containers=2,
        product=ProductFactory(esketamine=True),
        named_patient=PatientFactory(),
        received_on=clock.localdate() - dt.timedelta(days=15),
    )
    home = login(lead).get(reverse("home")).content.decode()
    assert "Named-patient devices to dispose of" in home


def test_a_nurse_home_has_no_controlled_panel(login) -> None:
    case_open(
        location=LocationFactory(), discovered_at=clock.now(), discovered_by=manager(),
        description="x", actor=manager(),
    )  # fmt: skip
    assert "controlled-heading" not in login(person(Role.NURSE)).get("/").content.decode()


def test_the_inventory_reminder_emails_the_managers_once(settings, mailoutbox) -> None:
    from clinic.models import Reminder
    from controlled.services.inventories import INVENTORY_DUE, inventory_reminders_plan
    from controlled.tasks import plan_inventory_reminders

    lead = manager()
    lead.email = "maya@clinic.example"
    lead.save(update_fields=["email"])
    StockCountFactory(
        location=lead.locations.get(), purpose=CountPurpose.INITIAL, business_time="opening",
        counted_at=clock.now() - dt.timedelta(days=715), counted_by=lead,
    )  # fmt: skip
    plan_inventory_reminders()
    inventory_reminders_plan()  # once per manager and due date, however often it runs
    reminder = Reminder.objects.get(kind=INVENTORY_DUE)
    assert reminder.recipient == lead
    from clinic.notifications.kinds import context_builder

    context = context_builder(INVENTORY_DUE)(reminder)
    assert "biennial inventory of Test Clinic is due" in context["text"]
    StockCountFactory(
        location=lead.locations.get(), purpose=CountPurpose.BIENNIAL, business_time="close",
        counted_by=lead,
    )  # fmt: skip
    assert context_builder(INVENTORY_DUE)(reminder) is None  # taken meanwhile: not sent


def test_the_inventory_reminder_goes_to_whoever_the_policy_lets_take_inventories(
    monkeypatch,
) -> None:
    """Who is reminded is asked of the policy (the holders of `controlled.count_stock`),
    not a role written here: give the action to psychiatrists too and they are reminded;
    an inactive manager and a manager of another location are not."""
    from clinic import policy
    from controlled.permissions import COUNT_STOCK
    from controlled.services.inventories import managers_of

    lead = manager()
    here = lead.locations.get()
    psychiatrist = person(Role.PSYCHIATRIST, here)
    person(Role.NURSE, here)
    gone = manager(here)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    manager(LocationFactory(name="Harbor Point", dea_number="FH7654329"))  # another location's
    assert managers_of(here) == [lead]
    widened = policy.Permission(
        COUNT_STOCK, policy.permission(COUNT_STOCK).roles | {Role.PSYCHIATRIST}, ""
    )
    monkeypatch.setitem(policy._PERMISSIONS, COUNT_STOCK, widened)
    assert managers_of(here) == [lead, psychiatrist]


def test_the_reminder_is_a_declared_periodic_task() -> None:
    from clinic.schedules import PERIODIC_TASKS

    assert "controlled.plan_inventory_reminders" in {p.task for p in PERIODIC_TASKS}


def test_retention_under_two_years_is_refused_in_the_admin_form() -> None:
    from controlled.admin import LedgerSettingsForm

    location = LocationFactory()
    form = LedgerSettingsForm(
        {"location": location.pk, "waste_witness_required": "on", "retention_years": "1"}
    )
    assert not form.is_valid()
    assert "at least 2 years" in form.errors["retention_years"][0]
    form = LedgerSettingsForm(
        {"location": location.pk, "waste_witness_required": "on", "retention_years": "3"}
    )
    assert form.is_valid(), form.errors


def test_the_case_and_discrepancy_pages_and_home_do_not_grow_their_queries(
    login, page_queries
) -> None:
    lead = manager()
    location = lead.locations.get()
    psychiatrist = person(Role.PSYCHIATRIST, location)

    def add(n: int) -> None:
        for _ in range(n):
            case_open(
                location=location, discovered_at=clock.now(), discovered_by=lead,
                description="Missing vial", actor=lead,
            )  # fmt: skip
            DiscrepancyFactory(
                line=CountLineFactory(count=StockCountFactory(location=location), expected_units=1)
            )

    pages = [reverse("home"), reverse("case_list"), reverse("discrepancy_list")]
    client = login(psychiatrist)
    add(1)
    for url in pages:
        client.get(url)
    with page_queries() as few:
        for url in pages:
            client.get(url)
    add(20)
    with page_queries() as many:
        for url in pages:
            client.get(url)
    assert len(many) == len(few)
