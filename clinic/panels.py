"""Panels that feature apps add to the patient chart.

`clinic` imports no feature app; an app appends a `ChartPanel` in its `ready()`, and the
chart renders each panel whose context function returns a dict (None hides it, e.g. for
a role that may not see it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from clinic.models import Patient


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
