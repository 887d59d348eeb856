"""What every page's shell needs: the clinic, the navigation for the user's roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from clinic.access import page_allows
from clinic.choices import Role
from clinic.permissions import PICK_LOCATION
from clinic.policy import Capabilities, may
from clinic.selectors import location_choice

# The staff bar's groups, in the order they appear. A menu item names its group; an item
# without one (Home, the patient's pages) stands on the bar by itself.
NAV_GROUPS: tuple[str, ...] = ("Patients", "Schedule", "Treatment floor", "Reviews", "Admin")


@dataclass(frozen=True)
class NavItem:
    """A page on the menu. Who sees it is the page's own rule (`clinic.access`), asked of
    the one policy: a menu never offers a page that refuses the user, nor hides one that
    lets them in."""

    label: str
    url_name: str
    group: str = ""

    def __post_init__(self) -> None:
        if self.group and self.group not in NAV_GROUPS:
            raise ValueError(f"{self.label!r}: unknown menu group {self.group!r}")

    @property
    def url(self) -> str:
        return _address(self.url_name)

    def offered_to(self, user: Any) -> bool:
        return page_allows(user, self.url_name)


@cache
def _address(url_name: str) -> str:
    return reverse(url_name)


# A menu item appears only when its feature exists; feature apps add theirs here.
NAVIGATION: list[NavItem] = [
    NavItem("Home", "home"),
    NavItem("Patient list", "patient_list", group="Patients"),
    NavItem("Failed reminders", "failed_reminders", group="Schedule"),
    NavItem("My documents", "my_documents"),
    NavItem("Reminders", "my_reminder_preferences"),
    NavItem("Audit log", "audit_log", group="Admin"),
    NavItem("Clinic settings", "admin:index", group="Admin"),
]


@dataclass(frozen=True)
class MenuLink:
    """One link of the bar or of a group's drop-down. `current` is the aria-current value:
    "page" on the page itself, "true" on a page below it (a patient's chart under the
    patient list), "" elsewhere."""

    label: str
    url: str
    current: str = ""


@dataclass
class MenuEntry:
    """What the bar shows in one place: a link by itself, or a group of links."""

    label: str
    link: MenuLink | None = None
    links: list[MenuLink] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in ([self.link] if self.link else self.links))


def _current(url: str, path: str) -> str:
    if path == url:
        return "page"
    if url != "/" and path.startswith(url):
        return "true"
    return ""


def menu_for(user: Any, path: str) -> list[MenuEntry]:
    """The bar for a signed-in user: the items their roles may use, grouped. A group with a
    single item for this user shows that item as a plain link (no drop-down of one)."""
    items = [item for item in NAVIGATION if item.offered_to(user)]
    # Only the closest match counts as "below": /patients/3/ is under the patient list,
    # never also under a shorter URL.
    below = [item.url for item in items if _current(item.url, path) == "true"]
    deepest = max(below, key=len, default="")

    def link(item: NavItem) -> MenuLink:
        current = _current(item.url, path)
        if current == "true" and item.url != deepest:
            current = ""
        return MenuLink(item.label, item.url, current)

    entries = [MenuEntry(item.label, link=link(item)) for item in items if not item.group]
    for group in NAV_GROUPS:
        links = [link(item) for item in items if item.group == group]
        if len(links) == 1:
            entries.append(MenuEntry(links[0].label, link=links[0]))
        elif links:
            entries.append(MenuEntry(group, links=links))
    return entries


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    menu: list[MenuEntry] = []
    picker = None
    if user is not None and user.is_authenticated:
        menu = menu_for(user, request.path)
        if not user.is_patient_account and may(user, PICK_LOCATION):
            # Read only when a page shows it (the pages that follow the picked location,
            # which have read the same choice already: no query of its own).
            picker = SimpleLazyObject(partial(location_choice, user))
    role_labels = [
        Role(code).label for code in sorted(getattr(user, "role_codes", ())) if code in Role.values
    ]
    return {
        "clinic": getattr(request, "clinic", None),
        "nav_menu": menu,
        # What the user may do, asked of the one policy: {% if can.sessions.record_vitals %}
        "can": Capabilities(user),
        "role_labels": role_labels,
        # The location picker: shown on a page that follows the picked location (its
        # view passes `picked_location`) when the user has more than one to pick from.
        "location_picker": picker,
        "mfa_required": settings.CLINIC_REQUIRE_MFA,
    }
