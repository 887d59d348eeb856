"""The main menu: the pages each role may use, in groups (Patients · Schedule · Treatment
floor · Reviews · Admin), the current page and its group marked for screen readers."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve

from clinic.access import rule_of
from clinic.choices import Role
from clinic.context_processors import NAVIGATION, NavItem, menu_for
from clinic.models import User
from tests.factories import StaffRoleFactory

pytestmark = pytest.mark.django_db


def shape(user, path: str = "/") -> list[tuple[str, list[str]]]:
    """The bar as a person reads it: each entry, and the pages in it when it is a group."""
    return [(entry.label, [link.label for link in entry.links]) for entry in menu_for(user, path)]


def test_each_staff_role_sees_its_pages_in_groups(personas) -> None:
    assert shape(personas.coordinator) == [
        ("Home", []),
        ("Patients", ["Patient list", "Invitations"]),
        ("Schedule", ["Calendar", "Boosters due", "Cancelled", "Failed reminders"]),
    ]
    # A group with one page for this role is that page's own link, not a menu of one.
    assert shape(personas.nurse) == [
        ("Home", []),
        ("Patient list", []),
        # Failed reminders: a failed urgent alert is the nurse's and psychiatrist's to send
        # again; the page always let them in, and the menu now follows the page's rule.
        ("Schedule", ["Calendar", "Failed reminders"]),
        ("Treatment floor", ["Nurse board", "REMS forms", "Controlled substances"]),
        ("Review queue", []),
    ]
    assert shape(personas.psychiatrist) == [
        ("Home", []),
        ("Patient list", []),
        ("Schedule", ["Calendar", "Boosters due", "Cancelled", "Failed reminders"]),
        ("Treatment floor", ["Nurse board", "REMS forms", "Controlled substances"]),
        (
            "Reviews",
            [
                "Co-sign",
                "Review queue",
                "Outcomes",
                "Count discrepancies",
                "Theft or loss cases",
                "Controlled-substance reports",
            ],
        ),
    ]
    assert shape(personas.therapist) == [
        ("Home", []),
        ("Patients", ["Patient list", "Caseload"]),
        ("Calendar", []),
    ]
    assert shape(personas.admin) == [
        ("Home", []),
        ("Outcomes", []),
        ("Admin", ["Audit log", "Clinic settings"]),
    ]


def test_a_patient_sees_plain_links_to_their_own_pages(personas) -> None:
    menu = menu_for(personas.patient_a.user, "/")
    assert all(entry.link and not entry.links for entry in menu)
    labels = [entry.label for entry in menu]
    assert labels[0] == "Home"
    assert {"My sessions", "My intake", "My documents", "Questionnaires", "My practices"} <= set(
        labels
    )


def test_a_user_with_two_roles_sees_both_menus_merged(personas) -> None:
    StaffRoleFactory(user=personas.nurse, role=Role.COORDINATOR)
    nurse = User.objects.get(pk=personas.nurse.pk)  # role_codes is cached per instance
    menu = dict(shape(nurse))
    assert menu["Patients"] == ["Patient list", "Invitations"]
    assert menu["Schedule"] == ["Calendar", "Boosters due", "Cancelled", "Failed reminders"]
    assert menu["Treatment floor"] == ["Nurse board", "REMS forms", "Controlled substances"]


@pytest.mark.parametrize(
    "persona", ["coordinator", "nurse", "psychiatrist", "therapist", "admin", "patient_a"]
)
def test_no_menu_item_leads_a_role_to_a_page_it_is_refused(persona, personas, login) -> None:
    user = getattr(personas, persona)
    user = user.user if persona == "patient_a" else user
    client = login(user)
    for entry in menu_for(user, "/"):
        for link in [entry.link] if entry.link else entry.links:
            answer = client.get(link.url)
            assert answer.status_code in (200, 302), f"{link.label} refuses {persona}"
    offered = {item.url_name for item in NAVIGATION if item.offered_to(user)}
    for item in NAVIGATION:
        rule = rule_of(resolve(item.url).func)
        assert rule is not None, item.url_name
        assert (item.url_name in offered) == rule.allows(user), item.label


def test_the_current_page_and_its_group_are_marked(personas) -> None:
    on_list = menu_for(personas.coordinator, "/patients/")
    patients = next(entry for entry in on_list if entry.label == "Patients")
    assert patients.current
    assert [(link.label, link.current) for link in patients.links] == [
        ("Patient list", "page"),
        ("Invitations", ""),
    ]
    home = next(entry for entry in on_list if entry.label == "Home")
    assert home.link.current == ""

    # A page below a menu page (a patient's chart) marks that page and its group.
    on_chart = menu_for(personas.coordinator, f"/patients/{personas.patient_a.pk}/")
    patients = next(entry for entry in on_chart if entry.label == "Patients")
    assert patients.current
    assert patients.links[0].current == "true"
    schedule = next(entry for entry in on_chart if entry.label == "Schedule")
    assert not schedule.current

    assert menu_for(personas.coordinator, "/")[0].link.current == "page"


def test_a_menu_item_names_a_known_group() -> None:
    with pytest.raises(ValueError, match="unknown menu group 'Schedules'"):
        NavItem("Calendar", "calendar_day", "Schedules")


def test_the_bar_renders_groups_as_keyboard_drop_downs(personas, login) -> None:
    html = login(personas.psychiatrist).get(f"/patients/{personas.patient_a.pk}/").content.decode()
    bar = html[
        html.index('aria-label="Main"') : html.index("</nav>", html.index('aria-label="Main"'))
    ]
    assert re.search(
        r'<button type="button" class="nav-link dropdown-toggle" data-bs-toggle="dropdown" '
        r'aria-expanded="false">Reviews</button>',
        bar,
    )
    assert re.search(r'class="nav-link active" aria-current="true" href="/patients/"', bar)
    # The account menu: the authenticator page and a sign-out button, both in the bar.
    assert 'href="/account/second-factor/replace/">Authenticator</a>' in bar
    assert ">Sign out</button>" in bar
