"""The monitoring rules of engine-api.md: validation, alerts, gate, schedule. The v2
contract's gate, latest_vitals and discharge_check are tested to the letter in
test_monitoring_v2_contract.py."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sessions.dosing import device_spacing_warnings, dose_total_mg
from sessions.monitoring import (
    Alert,
    Gate,
    VitalLimits,
    predose_gate,
    validate_reading,
    vital_alerts,
    vitals_due,
)


def errors_of(reading: dict) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        validate_reading(reading)
    return caught.value.message_dict


@pytest.mark.parametrize(
    "reading",
    [
        {"systolic": 50, "diastolic": 20},
        {"systolic": 300, "diastolic": 200},
        {"heart_rate": 20},
        {"heart_rate": 250},
        {"spo2": 50},
        {"spo2": 100},
        {"resp_rate": 2},
        {"resp_rate": 80},
        {"temperature_c": 30.0},
        {"temperature_c": Decimal("45.0")},
        {"temperature_c": 36.6},
        {"moaas": 0},
        {"moaas": 5},
        {"systolic": 120.0},
        {"heart_rate": Decimal("80")},
        {"systolic": 120, "comment": "anything", "time": "ignored"},
    ],
)
def test_plausible_readings_pass(reading: dict) -> None:
    validate_reading(reading)


@pytest.mark.parametrize(
    ("reading", "field"),
    [
        ({"systolic": 49}, "systolic"),
        ({"systolic": 301}, "systolic"),
        ({"diastolic": 19}, "diastolic"),
        ({"diastolic": 201}, "diastolic"),
        ({"heart_rate": 19}, "heart_rate"),
        ({"heart_rate": 251}, "heart_rate"),
        ({"spo2": 49}, "spo2"),
        ({"spo2": 101}, "spo2"),
        ({"resp_rate": 1}, "resp_rate"),
        ({"resp_rate": 81}, "resp_rate"),
        ({"temperature_c": 29.9}, "temperature_c"),
        ({"temperature_c": 45.1}, "temperature_c"),
        ({"moaas": -1}, "moaas"),
        ({"moaas": 6}, "moaas"),
        ({"moaas": 2.5}, "moaas"),
        ({"moaas": True}, "moaas"),
        ({"heart_rate": 80.5}, "heart_rate"),
        ({"systolic": Decimal("120.5")}, "systolic"),
        ({"heart_rate": "80"}, "heart_rate"),
        ({"heart_rate": True}, "heart_rate"),
        ({"spo2": math.nan}, "spo2"),
        ({"temperature_c": math.nan}, "temperature_c"),
        ({"temperature_c": Decimal("NaN")}, "temperature_c"),
        ({"temperature_c": "36.5"}, "temperature_c"),
        ({"temperature_c": False}, "temperature_c"),
        ({"systolic": math.inf}, "systolic"),
    ],
)
def test_implausible_values_are_refused_under_their_field(reading: dict, field: str) -> None:
    assert field in errors_of(reading)


def test_no_vital_at_all_is_refused_under_all() -> None:
    assert "__all__" in errors_of({})
    assert "__all__" in errors_of({"systolic": None, "comment": "patient asleep"})


@pytest.mark.parametrize(("systolic", "diastolic"), [(120, 120), (100, 130)])
def test_diastolic_at_or_above_systolic_is_refused_under_diastolic(
    systolic: int, diastolic: int
) -> None:
    errors = errors_of({"systolic": systolic, "diastolic": diastolic})
    assert list(errors) == ["diastolic"]


def test_several_problems_are_reported_together() -> None:
    errors = errors_of({"systolic": 20, "heart_rate": 400, "moaas": 9})
    assert set(errors) == {"systolic", "heart_rate", "moaas"}


def codes(reading: dict, **kwargs: object) -> list[tuple[str, str]]:
    return [(a.code, a.level) for a in vital_alerts(reading, **kwargs)]


@pytest.mark.parametrize(
    ("reading", "expected"),
    [
        ({"systolic": 159, "diastolic": 99}, []),
        ({"systolic": 160, "diastolic": 80}, [("BP_HIGH", "warning")]),
        ({"systolic": 130, "diastolic": 100}, [("BP_HIGH", "warning")]),
        ({"systolic": 179, "diastolic": 109}, [("BP_HIGH", "warning")]),
        ({"systolic": 180, "diastolic": 80}, [("BP_HIGH", "critical")]),
        ({"systolic": 150, "diastolic": 110}, [("BP_HIGH", "critical")]),
        ({"diastolic": 110}, [("BP_HIGH", "critical")]),
        ({"systolic": 90}, []),
        ({"systolic": 89}, [("BP_LOW", "warning")]),
        ({"systolic": 80}, [("BP_LOW", "warning")]),
        ({"systolic": 79}, [("BP_LOW", "critical")]),
        ({"heart_rate": 119}, []),
        ({"heart_rate": 120}, [("HR_HIGH", "warning")]),
        ({"heart_rate": 140}, [("HR_HIGH", "critical")]),
        ({"heart_rate": 50}, []),
        ({"heart_rate": 49}, [("HR_LOW", "warning")]),
        ({"heart_rate": 40}, [("HR_LOW", "warning")]),
        ({"heart_rate": 39}, [("HR_LOW", "critical")]),
        ({"spo2": 94}, []),
        ({"spo2": 93}, [("SPO2_LOW", "warning")]),
        ({"spo2": 90}, [("SPO2_LOW", "warning")]),
        ({"spo2": 89}, [("SPO2_LOW", "critical")]),
        ({"resp_rate": 10}, []),
        ({"resp_rate": 9}, [("RR_LOW", "warning")]),
        ({"resp_rate": 8}, [("RR_LOW", "warning")]),
        ({"resp_rate": 7}, [("RR_LOW", "critical")]),
        ({"resp_rate": 29}, []),
        ({"resp_rate": 30}, [("RR_HIGH", "warning")]),
        ({"resp_rate": 40}, [("RR_HIGH", "critical")]),
        ({"moaas": 4}, []),
        ({"moaas": 3}, [("SEDATION", "warning")]),
        ({"moaas": 2}, [("SEDATION", "critical")]),
        ({"moaas": 0}, [("SEDATION", "critical")]),
        ({"temperature_c": 39.5}, []),
    ],
)
def test_alert_thresholds(reading: dict, expected: list[tuple[str, str]]) -> None:
    assert codes(reading) == expected


def test_alerts_come_in_table_order_one_per_code() -> None:
    reading = {"systolic": 185, "diastolic": 112, "heart_rate": 150, "spo2": 85,
               "resp_rate": 6, "moaas": 1}  # fmt: skip
    assert codes(reading, baseline={"systolic": 120}) == [
        ("BP_HIGH", "critical"),
        ("HR_HIGH", "critical"),
        ("SPO2_LOW", "critical"),
        ("RR_LOW", "critical"),
        ("SEDATION", "critical"),
        ("BP_RISE", "warning"),
    ]


def test_bp_rise_is_judged_against_the_baseline_systolic() -> None:
    assert codes({"systolic": 159}, baseline={"systolic": 120}) == []
    assert codes({"systolic": 158}, baseline={"systolic": 118}) == [("BP_RISE", "warning")]
    assert codes({"systolic": 150}, baseline={"diastolic": 80}) == []
    assert codes({"systolic": 150}, baseline=None) == []
    assert codes({"heart_rate": 80}, baseline={"systolic": 100}) == []


def test_alert_messages_say_what_happened_in_words() -> None:
    (alert,) = vital_alerts({"systolic": 182, "diastolic": 96})
    assert alert == Alert("BP_HIGH", "critical", alert.message)
    assert "182/96" in alert.message and "critically high" in alert.message


def test_clinic_limits_replace_the_defaults() -> None:
    limits = VitalLimits(hr_high_warning=110, spo2_low_warning=95)
    assert codes({"heart_rate": 112, "spo2": 94}, limits=limits) == [
        ("HR_HIGH", "warning"),
        ("SPO2_LOW", "warning"),
    ]


OXIMETRY = {"heart_rate": 72, "spo2": 98}


def gate(reading: dict, route: str = "iv", age: int = 40) -> Gate:
    """The gate on a reading that has a heart rate and SpO2 unless the test sets them."""
    return predose_gate(OXIMETRY | reading, route=route, age=age)


def test_gate_proceeds_on_normal_vitals() -> None:
    assert gate({"systolic": 128, "diastolic": 82, "heart_rate": 72, "spo2": 98}) == Gate(True, ())


@pytest.mark.parametrize(
    ("reading", "route", "age", "reasons"),
    [
        ({"systolic": 140, "diastolic": 90}, "intranasal_esketamine", 40, ()),
        ({"systolic": 141, "diastolic": 90}, "intranasal_esketamine", 40, ("PREDOSE_BP_HIGH",)),
        ({"systolic": 140, "diastolic": 91}, "intranasal_esketamine", 40, ("PREDOSE_BP_HIGH",)),
        ({"systolic": 150, "diastolic": 90}, "intranasal_esketamine", 65, ()),
        ({"systolic": 145, "diastolic": 85}, "intranasal_esketamine", 64, ("PREDOSE_BP_HIGH",)),
        ({"systolic": 151, "diastolic": 90}, "intranasal_esketamine", 65, ("PREDOSE_BP_HIGH",)),
        ({"systolic": 150, "diastolic": 91}, "intranasal_esketamine", 70, ("PREDOSE_BP_HIGH",)),
        ({"systolic": 159, "diastolic": 99}, "iv", 40, ()),
        ({"systolic": 160, "diastolic": 80}, "iv", 40, ("PREDOSE_BP_HIGH",)),
        ({"systolic": 130, "diastolic": 100}, "im", 40, ("PREDOSE_BP_HIGH",)),
        ({"systolic": 159, "diastolic": 99}, "oral", 80, ()),
        ({"systolic": 200}, "iv", 40, ("PREDOSE_BP_MISSING", "PREDOSE_BP_HIGH")),
        ({"diastolic": 80}, "iv", 40, ("PREDOSE_BP_MISSING",)),
        ({}, "oral", 40, ("PREDOSE_BP_MISSING",)),
        ({"systolic": 120, "diastolic": 80, "heart_rate": 119}, "iv", 40, ()),
        ({"systolic": 120, "diastolic": 80, "heart_rate": 120}, "iv", 40, ("PREDOSE_HR",)),
        ({"systolic": 120, "diastolic": 80, "heart_rate": 45}, "iv", 40, ()),
        ({"systolic": 120, "diastolic": 80, "heart_rate": 44}, "iv", 40, ("PREDOSE_HR",)),
        ({"systolic": 120, "diastolic": 80, "spo2": 94}, "iv", 40, ()),
        ({"systolic": 120, "diastolic": 80, "spo2": 93}, "iv", 40, ("PREDOSE_SPO2",)),
        (
            {"systolic": 170, "heart_rate": 130, "spo2": 90},
            "iv",
            40,
            ("PREDOSE_BP_MISSING", "PREDOSE_BP_HIGH", "PREDOSE_HR", "PREDOSE_SPO2"),
        ),
        (
            {"systolic": 120, "diastolic": 80, "heart_rate": None, "spo2": None},
            "iv",
            40,
            ("PREDOSE_HR_MISSING", "PREDOSE_SPO2_MISSING"),
        ),
    ],
)
def test_gate_reasons(reading: dict, route: str, age: int, reasons: tuple[str, ...]) -> None:
    result = gate(reading, route, age)
    assert result.reasons == reasons
    assert result.proceed is (not reasons)


def test_gate_refuses_an_unknown_route() -> None:
    with pytest.raises(ValueError, match="route"):
        gate({"systolic": 120, "diastolic": 80}, route="intravenous")


def test_gate_uses_the_clinic_limits() -> None:
    limits = VitalLimits(predose_bp_other=(150, 95))
    assert predose_gate(
        OXIMETRY | {"systolic": 150, "diastolic": 80}, route="iv", age=40, limits=limits
    ).reasons == ("PREDOSE_BP_HIGH",)


T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def minutes(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def test_vitals_due_every_15_minutes_from_the_dose_for_iv() -> None:
    due = vitals_due("iv", dose_started_at=T0, reading_times=[minutes(-10)], now=minutes(5),
                     has_baseline=True)  # fmt: skip
    assert due.due_at == minutes(15) and not due.overdue
    due = vitals_due("iv", dose_started_at=T0, reading_times=[minutes(15)], now=minutes(31),
                     has_baseline=True)  # fmt: skip
    assert due.due_at == minutes(30) and due.overdue


def test_esketamine_is_due_at_40_minutes_then_every_30() -> None:
    due = vitals_due("intranasal_esketamine", dose_started_at=T0, reading_times=[minutes(10)],
                     now=minutes(20), has_baseline=True)  # fmt: skip
    assert due.due_at == minutes(40) and due.label == "40-minute check"
    due = vitals_due("intranasal_esketamine", dose_started_at=T0, reading_times=[minutes(37)],
                     now=minutes(50), has_baseline=True)  # fmt: skip
    assert due.due_at == minutes(67) and not due.overdue


def test_no_timed_reading_is_due_before_the_dose_or_after_discharge() -> None:
    before = vitals_due("iv", dose_started_at=None, reading_times=[], now=T0, has_baseline=False)
    assert before.due_at is None and "Baseline" in before.label
    after = vitals_due("iv", dose_started_at=T0, reading_times=[], now=minutes(200),
                       has_baseline=True, finished=True)  # fmt: skip
    assert after.due_at is None and not after.overdue


def test_dose_arithmetic_rounds_to_a_tenth_of_a_milligram() -> None:
    assert dose_total_mg(Decimal("72.4"), Decimal("0.5")) == Decimal("36.2")
    assert dose_total_mg(Decimal("81.3"), Decimal("0.75")) == Decimal("61.0")
    assert dose_total_mg(Decimal("70.05"), Decimal("1")) == Decimal("70.1")


def test_devices_closer_than_five_minutes_are_warned() -> None:
    assert device_spacing_warnings([minutes(0), minutes(5), minutes(10)]) == []
    (warning,) = device_spacing_warnings([minutes(0), minutes(3), minutes(9)])
    assert "Device 2" in warning and "3 min" in warning
