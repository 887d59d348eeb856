"""Each entry of the session screen, posted to `session_action`: its form validated, its
one service called, and the block the answer shows (spec: session-monitoring.md). One
module per part of the session: check-in, monitoring, the dose, discharge, sign-off and
corrections."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from sessions.models import TreatmentSession
from sessions.views.record_entries import checkin, corrections, discharge, dose, monitoring, signoff
from sessions.views.record_entries.checkin import CONFIRM_ITEMS, ITEM_FORMS
from sessions.views.record_entries.posting import Forms

ACTIONS: dict[str, Callable[[HttpRequest, TreatmentSession, Forms], str]] = {
    **checkin.ACTIONS,
    **monitoring.ACTIONS,
    **dose.ACTIONS,
    **discharge.ACTIONS,
    **signoff.ACTIONS,
    **corrections.ACTIONS,
}

__all__ = ["ACTIONS", "CONFIRM_ITEMS", "ITEM_FORMS", "Forms"]
