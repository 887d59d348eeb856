"""The five default protocols of scheduling.md §2 (admins may edit them afterwards)."""

from __future__ import annotations

from django.db import migrations

DEFAULTS = [
    # code, name, route, sessions, per week, weeks, min days, block, observation, from
    ("iv-standard", "IV standard", "iv", 6, 2, 3, 2, 120, 30, "the infusion ends"),
    ("iv-rapid", "IV rapid", "iv", 6, 3, 2, 2, 120, 30, "the infusion ends"),
    ("im-standard", "IM standard", "im", 6, 2, 3, 2, 90, 60, "the injection"),
    (
        "esketamine-induction",
        "Esketamine induction",
        "intranasal_esketamine",
        8,
        2,
        4,
        2,
        150,
        120,
        "the first device (REMS)",
    ),
    ("oral-standard", "Oral standard", "oral", 8, 2, 4, 2, 120, 90, "the dose"),
]


def seed(apps, schema_editor) -> None:
    protocol = apps.get_model("treatment_sessions", "Protocol")
    for code, name, route, sessions, per_week, weeks, gap, block, observe, since in DEFAULTS:
        protocol.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "route": route,
                "default_sessions": sessions,
                "per_week": per_week,
                "weeks": weeks,
                "min_days_between": gap,
                "chair_block_minutes": block,
                "observation_minutes": observe,
                "observation_from": since,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
