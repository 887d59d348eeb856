"""Panels and buttons that feature apps add to the patient chart.

`clinic` imports no feature app; an app appends a `ChartPanel` in its `ready()`, and the
chart renders each panel whose context function returns a dict (None hides it, e.g. for
a role that may not see it). Likewise an app declares its `ChartLink`s (the buttons at
the top of the chart: Sessions, Treatment plan …) with `declare_chart_link`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from clinic import permissions
from clinic.access import page_allows
from clinic.models import Patient, User
from clinic.policy import may


@dataclass(frozen=True)
class ChartPanel:
    template: str
    context: Callable[[HttpRequest, Patient], dict[str, Any] | None]


CHART_PANELS: list[ChartPanel] = []


def chart_panels(request: HttpRequest, patient: Patient) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for panel in CHART_PANELS:
        context = panel.context(request, patient)
        if context is not None:
            shown.append((panel.template, context))
    return shown


@dataclass(frozen=True)
class ChartLink:
    """A button at the top of the chart, leading to a page about this patient.

    Shown when the patient's journey state is one of `states` (None: any state) and the
    user may open the page: the page's own rule decides (`page_allows`), or, for the
    core's pages, the policy `action` the template used to ask. Buttons show in `order`."""

    label: str
    url_name: str
    order: int
    states: frozenset[str] | None = None
    action: str = ""
    primary: bool = False


CHART_LINKS: list[ChartLink] = []


def declare_chart_link(link: ChartLink) -> None:
    CHART_LINKS.append(link)
    CHART_LINKS.sort(key=lambda known: known.order)


def chart_links(user: User, patient: Patient) -> list[ChartLink]:
    """The chart's buttons this user sees for this patient, in order (a link never leads
    to a refusal, and the core names no feature's roles)."""
    return [
        link
        for link in CHART_LINKS
        if (link.states is None or patient.journey_state in link.states)
        and (may(user, link.action) if link.action else page_allows(user, link.url_name))
    ]


for _core_link in (
    ChartLink("Edit details", "patient_edit", 10, action=permissions.EDIT_PATIENT_DETAILS),
    ChartLink("Change care team", "patient_care_team", 20, action=permissions.CHANGE_CARE_TEAM),
    ChartLink("Documents", "patient_documents", 40, action=permissions.SEE_DOCUMENTS),
    ChartLink("Reminders", "patient_reminders", 50, action=permissions.FOLLOW_REMINDERS),
):
    declare_chart_link(_core_link)


@dataclass(frozen=True)
class HomePanel:
    """A section a feature app adds to the staff home page: its context function returns
    None for a user it has nothing for (a role that does not hold its action)."""

    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]


HOME_PANELS: list[HomePanel] = []


def home_panels(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for panel in HOME_PANELS:
        context = panel.context(request)
        if context is not None:
            shown.append((panel.template, context))
    return shown
