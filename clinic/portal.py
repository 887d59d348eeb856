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
