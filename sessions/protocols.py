"""The five default protocols of scheduling.md §2.

Migration 0002 seeds a frozen copy of this table; `ensure_default_protocols` restores any
missing default (the demo seeder calls it, e.g. after a test database was flushed) and
never changes a protocol an admin has edited.
"""

from __future__ import annotations

from sessions.models import Protocol

DEFAULT_PROTOCOLS: list[dict[str, object]] = [
    {"code": "iv-standard", "name": "IV standard", "route": "iv", "default_sessions": 6,
     "per_week": 2, "weeks": 3, "min_days_between": 2, "chair_block_minutes": 120,
     "observation_minutes": 30, "observation_from": "the infusion ends"},
    {"code": "iv-rapid", "name": "IV rapid", "route": "iv", "default_sessions": 6,
     "per_week": 3, "weeks": 2, "min_days_between": 2, "chair_block_minutes": 120,
     "observation_minutes": 30, "observation_from": "the infusion ends"},
    {"code": "im-standard", "name": "IM standard", "route": "im", "default_sessions": 6,
     "per_week": 2, "weeks": 3, "min_days_between": 2, "chair_block_minutes": 90,
     "observation_minutes": 60, "observation_from": "the injection"},
    {"code": "esketamine-induction", "name": "Esketamine induction",
     "route": "intranasal_esketamine", "default_sessions": 8, "per_week": 2, "weeks": 4,
     "min_days_between": 2, "chair_block_minutes": 150, "observation_minutes": 120,
     "observation_from": "the first device (REMS)"},
    {"code": "oral-standard", "name": "Oral standard", "route": "oral", "default_sessions": 8,
     "per_week": 2, "weeks": 4, "min_days_between": 2, "chair_block_minutes": 120,
     "observation_minutes": 90, "observation_from": "the dose"},
]  # fmt: skip


def ensure_default_protocols() -> None:
    for values in DEFAULT_PROTOCOLS:
        Protocol.objects.get_or_create(
            code=values["code"], defaults={k: v for k, v in values.items() if k != "code"}
        )
