"""What the patient portal's home page needs from feature apps.

`clinic` imports no feature app; an app appends, in its `ready()`, a function that
returns some of `PortalFacts`' fields for a patient (an empty dict when it has nothing
to say) — the home page turns the merged facts into its one next-step sentence
(clinic.journey.patient_next_step) — or a `PortalPanel` shown under that sentence (the
decision letter of a declined patient).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clinic.journey import PortalFacts, patient_next_step
from clinic.models import Patient, User

PORTAL_FACTS: list[Callable[[Patient], dict[str, Any]]] = []


def portal_facts(patient: Patient) -> PortalFacts:
    found: dict[str, Any] = {}
    for provider in PORTAL_FACTS:
        found.update(provider(patient))
    return PortalFacts(**found)


def next_step_sentence(patient: Patient) -> str:
    """What happens next for this patient and who does it, in one sentence."""
    return patient_next_step(patient.journey_state, portal_facts(patient))


@dataclass(frozen=True)
class PortalPanel:
    """A panel under the next-step sentence: its template, and a selector taking the
    signed-in user and their patient record (None: nothing to show)."""

    template: str
    context: Callable[[User, Patient], dict[str, Any] | None]


PORTAL_PANELS: list[PortalPanel] = []


def portal_panels(user: User, patient: Patient) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for panel in PORTAL_PANELS:
        context = panel.context(user, patient)
        if context is not None:
            shown.append((panel.template, context))
    return shown


@dataclass(frozen=True)
class PortalLink:
    """A button under the next-step sentence, leading to a page of the portal, shown
    while the patient's journey state is one of `states`. `labels` gives another label
    at some states ("See my intake" once it is sent)."""

    label: str
    url_name: str
    order: int
    states: frozenset[str]
    primary: bool = True
    labels: tuple[tuple[str, str], ...] = ()

    def label_at(self, state: str) -> str:
        return dict(self.labels).get(state, self.label)


PORTAL_LINKS: list[PortalLink] = []


def declare_portal_link(link: PortalLink) -> None:
    PORTAL_LINKS.append(link)
    PORTAL_LINKS.sort(key=lambda known: known.order)


def portal_links(patient: Patient) -> list[tuple[PortalLink, str]]:
    """The portal home's buttons for this patient, each with its label, in order."""
    state = patient.journey_state
    return [(link, link.label_at(state)) for link in PORTAL_LINKS if state in link.states]
