"""The location picker (controlled-substances.md §1): a staff member chooses which
location's calendar, board and lists they see; the choice is remembered on their login,
limited to their own locations (any active one when assigned to none, or for an admin),
and the header offers it only when there is a choice to make."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.choices import AuditAction, Role
from clinic.models import AuditEvent, Location
from clinic.selectors import current_location, location_choice
from clinic.services.locations import current_location_set
from tests.conftest import sign_in
from tests.factories import LocationFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places() -> tuple[Location, Location]:
    riverside = LocationFactory(name="Riverside")
    harbor = LocationFactory(name="Harbor Point", dea_number="FH7654329")
    return riverside, harbor


def _fresh(user):
    """The user as the next request reads them (nothing kept from this one)."""
    return type(user).objects.get(pk=user.pk)


def test_a_nurse_at_two_locations_picks_one_and_it_is_remembered(client, places) -> None:
    riverside, harbor = places
    nurse = StaffFactory(roles=[Role.NURSE])
    nurse.locations.add(riverside, harbor)
    sign_in(client, nurse)

    page = client.get(reverse("nurse_board")).content.decode()
    assert 'name="location"' in page and "Harbor Point" in page
    # Only the pages that follow the picked location show the picker.
    assert 'name="location"' not in client.get(reverse("patient_list")).content.decode()
    assert current_location(_fresh(nurse)) == riverside  # the first assigned by default

    answer = client.post(
        reverse("location_pick"), {"location": harbor.pk, "next": "/calendar/"}, follow=True
    )
    assert answer.redirect_chain[-1][0] == "/calendar/"
    assert "Showing Harbor Point." in answer.content.decode()
    # Remembered across requests (and sign-ins): it is on the login's row.
    assert current_location(_fresh(nurse)) == harbor
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="clinic.user.current_location", user=nurse
    ).exists()


def test_a_location_one_is_not_assigned_to_is_refused_with_a_message(client, places) -> None:
    riverside, harbor = places
    third = LocationFactory(name="Northgate", dea_number="FN1234563")
    nurse = StaffFactory(roles=[Role.NURSE])
    nurse.locations.add(riverside, harbor)
    sign_in(client, nurse)
    answer = client.post(reverse("location_pick"), {"location": third.pk}, follow=True)
    page = answer.content.decode()
    assert "You are not assigned to Northgate" in page
    assert "Riverside or Harbor Point" in page
    assert current_location(_fresh(nurse)) == riverside
    for junk in ("", "abc", "999999"):
        answer = client.post(reverse("location_pick"), {"location": junk}, follow=True)
        assert answer.status_code == 200
        assert "Choose one of your locations" in answer.content.decode()


def test_staff_assigned_to_none_and_admins_may_pick_any_active_location(places) -> None:
    riverside, harbor = places
    closed = LocationFactory(name="Old Annex", dea_number="FA1234563", is_active=False)
    floater = StaffFactory(roles=[Role.COORDINATOR])
    assert location_choice(floater).choices == (riverside, harbor)
    assert current_location_set(actor=floater, location_id=harbor.pk) == harbor

    admin = StaffFactory(roles=[Role.ADMIN])
    admin.locations.add(riverside)
    assert location_choice(admin).choices == (riverside, harbor)
    assert current_location(admin) == riverside
    current_location_set(actor=admin, location_id=harbor.pk)
    assert current_location(_fresh(admin)) == harbor
    with pytest.raises(Exception, match="Choose one of your locations"):
        current_location_set(actor=admin, location_id=closed.pk)


def test_a_remembered_location_no_longer_allowed_falls_back_to_the_first_assigned(
    places,
) -> None:
    riverside, harbor = places
    nurse = StaffFactory(roles=[Role.NURSE])
    nurse.locations.add(riverside, harbor)
    current_location_set(actor=nurse, location_id=harbor.pk)
    nurse.locations.remove(harbor)
    assert current_location(_fresh(nurse)) == riverside
    nurse.locations.add(harbor)
    harbor.is_active = False
    harbor.save()
    assert current_location(_fresh(nurse)) == riverside


def test_the_header_offers_no_picker_without_a_choice(client, places) -> None:
    riverside, _harbor = places
    nurse = StaffFactory(roles=[Role.NURSE])
    nurse.locations.add(riverside)
    sign_in(client, nurse)
    page = client.get(reverse("nurse_board")).content.decode()
    assert reverse("location_pick") not in page and "· Riverside</span>" in page
    assert current_location(_fresh(nurse)) == riverside


def test_the_picker_costs_one_query_per_page_whoever_reads_it(places) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    riverside, harbor = places
    nurse = _fresh(StaffFactory(roles=[Role.NURSE]))
    nurse.locations.add(riverside, harbor)
    nurse.role_codes  # noqa: B018 (read once per request anyway)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            location_choice(nurse)
            current_location(nurse)
    assert len(queries) == 1


def test_a_patient_login_cannot_pick(client, places) -> None:
    from tests.factories import PatientFactory, PatientLoginFactory

    patient = PatientFactory(user=PatientLoginFactory())
    client.force_login(patient.user)
    answer = client.post(reverse("location_pick"), {"location": places[1].pk})
    assert answer.status_code == 403


def test_the_picker_and_the_ledger_scope_read_one_answer_of_where_someone_works(places) -> None:
    """`work_locations` is the one answer: the picker offers exactly those locations
    (every active one for an admin, who may pick any), and the controlled-substance
    ledger opens exactly those (an inactive location is in neither)."""
    from clinic.policy import NotVisible
    from clinic.selectors import work_locations
    from controlled.selectors.locations import location_for_user

    riverside, harbor = places
    closed = LocationFactory(name="Closed", dea_number="FC1234563", is_active=False)
    nurse = StaffFactory(roles=[Role.NURSE])
    nurse.locations.add(harbor, closed)
    unassigned = StaffFactory(roles=[Role.NURSE])
    admin = StaffFactory(roles=[Role.ADMIN])
    admin.locations.add(riverside)

    assert list(work_locations(nurse)) == [harbor]
    assert list(location_choice(_fresh(nurse)).choices) == [harbor]
    assert location_for_user(nurse, harbor.pk) == harbor
    for elsewhere in (riverside, closed):
        with pytest.raises(NotVisible):
            location_for_user(nurse, elsewhere.pk)
    assert list(work_locations(unassigned)) == [riverside, harbor]
    assert list(location_choice(_fresh(unassigned)).choices) == [riverside, harbor]
    assert list(work_locations(admin)) == [riverside]
    assert list(location_choice(_fresh(admin)).choices) == [riverside, harbor]
    assert location_choice(_fresh(admin)).current == riverside
