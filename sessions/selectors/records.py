"""Reads of the session record under their earlier path.

They live in the modules of their concept — `session_record` (the scoped lookup and its
prefetches), `session_state` (the read model), `safety` (the clinic's limits), `floor`
(the board and the lists) — and the pure rules in `sessions.record_rules`. This module
only names them again for code that imports them from `sessions.selectors.records`.
"""

from __future__ import annotations

from sessions.record_rules import (
    checkin_required_items,
    entry_ref,
    fasting_rule,
    pregnancy_applies,
    weight_of,
)
from sessions.selectors.floor import (
    RemsDue,
    arrivals_today,
    awaiting_cosign,
    board_states,
    rems_forms_due,
)
from sessions.selectors.safety import dose_limits, safety_settings, vital_limits
from sessions.selectors.session_record import session_for_user, sessions_visible_to, with_parts
from sessions.selectors.session_state import (
    SessionState,
    first_dose_of_drug,
    last_weight,
    state_of,
)

__all__ = [
    "RemsDue",
    "SessionState",
    "arrivals_today",
    "awaiting_cosign",
    "board_states",
    "checkin_required_items",
    "dose_limits",
    "entry_ref",
    "fasting_rule",
    "first_dose_of_drug",
    "last_weight",
    "pregnancy_applies",
    "rems_forms_due",
    "safety_settings",
    "session_for_user",
    "sessions_visible_to",
    "state_of",
    "vital_limits",
    "weight_of",
    "with_parts",
]
