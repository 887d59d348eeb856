"""The move of the vital-sign limits from the clinic settings row to the sessions app
keeps every clinic's stored values and their change history, both ways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

BEFORE = [
    ("clinic", "0008_patient_sms_quiet_hours"),
    ("treatment_sessions", "0018_entered_in_error"),
]
AFTER = [
    ("clinic", "0009_vital_limits_moved_to_sessions"),
    ("treatment_sessions", "0019_vital_limit_settings"),
]


@pytest.mark.django_db(transaction=True)
def test_stored_limits_and_their_history_move_to_the_sessions_app(migrate_to) -> None:
    old = migrate_to(BEFORE)
    changed_at = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    old.get_model("clinic", "ClinicSettings").objects.update_or_create(
        pk=1,
        defaults={"hr_high_warning": 110, "predose_spo2": 95, "bp_high_warning_systolic": 150},
    )
    old.get_model("clinic", "ClinicSettings").objects.filter(pk=1).update(updated_at=changed_at)
    old.get_model("clinic", "HistoricalClinicSettings").objects.create(
        id=1,
        name="Riverside",
        hr_high_warning=110,
        predose_spo2=95,
        updated_at=changed_at,
        history_date=changed_at,
        history_type="~",
        history_change_reason="lower HR warning",
    )

    new = migrate_to(AFTER)
    limits = new.get_model("treatment_sessions", "VitalLimitSettings").objects.get()
    assert limits.clinic_id == 1
    assert (limits.hr_high_warning, limits.predose_spo2) == (110, 95)
    assert (limits.bp_high_warning_systolic, limits.bp_high_warning_diastolic) == (150, 100)
    assert limits.hr_high_critical == 140  # untouched limits keep their value
    assert limits.updated_at == changed_at
    (history,) = new.get_model("treatment_sessions", "HistoricalVitalLimitSettings").objects.all()
    assert (history.clinic_id, history.hr_high_warning, history.predose_spo2) == (1, 110, 95)
    assert (history.history_date, history.history_type) == (changed_at, "~")
    assert history.history_change_reason == "lower HR warning"
    clinic_columns = {
        column.name
        for column in connection.introspection.get_table_description(
            connection.cursor(), "clinic_clinicsettings"
        )
    }
    assert "hr_high_warning" not in clinic_columns and "time_zone" in clinic_columns

    new.get_model("treatment_sessions", "VitalLimitSettings").objects.filter(pk=1).update(
        hr_high_warning=105
    )
    back = migrate_to(BEFORE)
    clinic = back.get_model("clinic", "ClinicSettings").objects.get(pk=1)
    assert (clinic.hr_high_warning, clinic.predose_spo2) == (105, 95)
