"""predose_gate, latest_vitals and discharge_check (v2), to the letter of engine-api.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sessions.monitoring import (
    Criterion,
    DischargeStatus,
    VitalLimits,
    discharge_check,
    latest_vitals,
    predose_gate,
)

UTC = dt.timezone.utc  # noqa: UP017 - the brief asks for datetime.timezone.utc
NOW = dt.datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
ROUTES = ["iv", "im", "intranasal_esketamine", "oral"]
NON_ESKETAMINE = ["iv", "im", "oral"]
NORMAL = {"systolic": 120, "diastolic": 80, "heart_rate": 72, "spo2": 98}

CRITERIA = [
    "OBSERVATION_TIME",
    "VITALS_RECENT",
    "BP_ACCEPTABLE",
    "SPO2_OK",
    "NO_ALERT_LAST_SET",
    "MOAAS_5",
    "DISSOCIATION_RESOLVED",
    "NO_OPEN_CRITICAL_ALERT",
    "ORIENTED",
    "STEADY_GAIT",
    "NAUSEA_CONTROLLED",
    "ESCORT_PRESENT",
]
NEEDS_A_FULL_SET = ["VITALS_RECENT", "BP_ACCEPTABLE", "SPO2_OK", "NO_ALERT_LAST_SET"]


def ago(minutes: float = 0, seconds: float = 0) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes, seconds=seconds)


def at(when: dt.datetime, **vitals: Any) -> dict[str, Any]:
    return {"taken_at": when, **vitals}


# --- predose_gate -----------------------------------------------------------------------


def gate(reading: dict[str, Any], route: str = "iv", age: int = 40, **kwargs: Any) -> Any:
    return predose_gate(reading, route=route, age=age, **kwargs)


def reasons(reading: dict[str, Any], route: str = "iv", age: int = 40, **kwargs: Any) -> tuple:
    return tuple(gate(reading, route, age, **kwargs).reasons)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("age", [18, 64, 65, 90])
def test_a_normal_complete_reading_proceeds_on_every_route(route: str, age: int) -> None:
    result = gate(dict(NORMAL), route, age)
    assert result.proceed is True
    assert tuple(result.reasons) == ()


@pytest.mark.parametrize("route", ROUTES)
def test_an_empty_reading_holds_for_blood_pressure_heart_rate_and_spo2(route: str) -> None:
    result = gate({}, route)
    assert result.proceed is False
    assert tuple(result.reasons) == (
        "PREDOSE_BP_MISSING",
        "PREDOSE_HR_MISSING",
        "PREDOSE_SPO2_MISSING",
    )


def test_none_values_count_as_missing() -> None:
    reading = {"systolic": None, "diastolic": None, "heart_rate": None, "spo2": None}
    assert reasons(reading) == (
        "PREDOSE_BP_MISSING",
        "PREDOSE_HR_MISSING",
        "PREDOSE_SPO2_MISSING",
    )


@pytest.mark.parametrize("route", ROUTES)
def test_a_lone_systolic_of_200_holds_for_missing_and_high_bp_first(route: str) -> None:
    assert reasons({"systolic": 200}, route) == (
        "PREDOSE_BP_MISSING",
        "PREDOSE_BP_HIGH",
        "PREDOSE_HR_MISSING",
        "PREDOSE_SPO2_MISSING",
    )


def test_every_present_value_out_of_limits_gives_the_reasons_in_order() -> None:
    reading = {"diastolic": 120, "heart_rate": 44, "spo2": 93}
    assert reasons(reading) == (
        "PREDOSE_BP_MISSING",
        "PREDOSE_BP_HIGH",
        "PREDOSE_HR",
        "PREDOSE_SPO2",
    )


def test_high_bp_high_heart_rate_and_low_spo2_are_held_in_order() -> None:
    reading = {"systolic": 170, "diastolic": 105, "heart_rate": 130, "spo2": 90}
    result = gate(reading)
    assert result.proceed is False
    assert tuple(result.reasons) == ("PREDOSE_BP_HIGH", "PREDOSE_HR", "PREDOSE_SPO2")


@pytest.mark.parametrize(
    ("reading", "expected"),
    [
        ({"systolic": 120, "heart_rate": 72, "spo2": 98}, ("PREDOSE_BP_MISSING",)),
        ({"diastolic": 80, "heart_rate": 72, "spo2": 98}, ("PREDOSE_BP_MISSING",)),
        ({"systolic": 120, "diastolic": 80, "spo2": 98}, ("PREDOSE_HR_MISSING",)),
        ({"systolic": 120, "diastolic": 80, "heart_rate": 72}, ("PREDOSE_SPO2_MISSING",)),
        (
            {"systolic": 120, "diastolic": 80, "heart_rate": None, "spo2": None},
            ("PREDOSE_HR_MISSING", "PREDOSE_SPO2_MISSING"),
        ),
    ],
)
def test_each_missing_vital_holds_the_dose_on_its_own(
    reading: dict[str, Any], expected: tuple[str, ...]
) -> None:
    result = gate(reading)
    assert result.proceed is False
    assert tuple(result.reasons) == expected


@pytest.mark.parametrize(
    ("systolic", "diastolic", "age", "held"),
    [
        (140, 90, 40, False),
        (141, 90, 40, True),
        (140, 91, 40, True),
        (141, 80, 64, True),
        (150, 90, 65, False),
        (151, 90, 65, True),
        (150, 91, 65, True),
        (145, 85, 80, False),
        (100, 91, 70, True),
    ],
)
def test_esketamine_holds_strictly_above_140_90_or_150_90_from_age_65(
    systolic: int, diastolic: int, age: int, held: bool
) -> None:
    reading = {**NORMAL, "systolic": systolic, "diastolic": diastolic}
    result = gate(reading, "intranasal_esketamine", age)
    assert tuple(result.reasons) == (("PREDOSE_BP_HIGH",) if held else ())
    assert result.proceed is not held


@pytest.mark.parametrize("route", NON_ESKETAMINE)
@pytest.mark.parametrize(
    ("systolic", "diastolic", "held"),
    [
        (159, 99, False),
        (160, 80, True),
        (120, 100, True),
        (150, 95, False),
    ],
)
@pytest.mark.parametrize("age", [40, 70])
def test_other_routes_hold_at_or_above_160_100_whatever_the_age(
    route: str, systolic: int, diastolic: int, held: bool, age: int
) -> None:
    reading = {**NORMAL, "systolic": systolic, "diastolic": diastolic}
    assert reasons(reading, route, age) == (("PREDOSE_BP_HIGH",) if held else ())


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("heart_rate", "held"), [(120, True), (119, False), (45, False), (44, True), (72, False)]
)
def test_heart_rate_holds_at_120_and_above_or_below_45(
    route: str, heart_rate: int, held: bool
) -> None:
    reading = {**NORMAL, "heart_rate": heart_rate}
    assert reasons(reading, route) == (("PREDOSE_HR",) if held else ())


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("spo2", "held"), [(94, False), (93, True), (100, False)])
def test_spo2_holds_below_94(route: str, spo2: int, held: bool) -> None:
    reading = {**NORMAL, "spo2": spo2}
    assert reasons(reading, route) == (("PREDOSE_SPO2",) if held else ())


@pytest.mark.parametrize("route", ["intranasal", "IV", "esketamine", "", "sublingual"])
def test_an_unknown_route_raises(route: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        gate(dict(NORMAL), route)


@pytest.mark.parametrize(
    "extra",
    [
        {"resp_rate": 4},
        {"resp_rate": 50},
        {"temperature_c": 39.9},
        {"moaas": 1},
        {"resp_rate": 6, "temperature_c": 34.0, "moaas": 0},
        {"taken_at": NOW, "comment": "anxious"},
    ],
)
def test_respiratory_rate_temperature_and_moaas_do_not_take_part(extra: dict[str, Any]) -> None:
    result = gate({**NORMAL, **extra})
    assert result.proceed is True
    assert tuple(result.reasons) == ()


def test_the_gate_uses_the_limits_it_is_given() -> None:
    limits = VitalLimits(predose_hr=(50, 110), predose_spo2=96, predose_bp_other=(150, 95))
    reading = {"systolic": 150, "diastolic": 80, "heart_rate": 49, "spo2": 95}
    assert reasons(reading, limits=limits) == ("PREDOSE_BP_HIGH", "PREDOSE_HR", "PREDOSE_SPO2")
    assert reasons(reading) == ()


# --- latest_vitals ----------------------------------------------------------------------


def latest(readings: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    return dict(latest_vitals(readings, now=NOW, **kwargs))


@pytest.mark.parametrize(
    ("when", "counts"),
    [
        (ago(30), True),
        (ago(30, 1), False),
        (ago(0), True),
        (NOW + dt.timedelta(seconds=1), False),
        (ago(15), True),
    ],
)
def test_the_window_is_inclusive_at_both_ends_and_ignores_the_future(
    when: dt.datetime, counts: bool
) -> None:
    result = latest([at(when, heart_rate=80)])
    assert result == ({"heart_rate": 80, "taken_at": when} if counts else {})


def test_the_window_length_is_a_parameter() -> None:
    readings = [at(ago(11), spo2=97), at(ago(10), heart_rate=80)]
    assert latest(readings, window_minutes=10) == {"heart_rate": 80, "taken_at": ago(10)}
    assert latest(readings, window_minutes=11) == {
        "heart_rate": 80,
        "spo2": 97,
        "taken_at": ago(11),
    }


def test_no_readings_give_an_empty_result_without_taken_at() -> None:
    assert latest([]) == {}


def test_readings_without_any_vital_give_an_empty_result() -> None:
    readings = [
        at(ago(5), comment="patient resting"),
        at(ago(3), systolic=None, diastolic=None, heart_rate=None, moaas=None),
    ]
    assert latest(readings) == {}


def test_readings_outside_the_window_give_an_empty_result() -> None:
    assert latest([at(ago(45), **NORMAL), at(NOW + dt.timedelta(minutes=1), **NORMAL)]) == {}


def test_every_vital_takes_the_newest_value_present_and_taken_at_is_the_oldest_used() -> None:
    readings = [
        at(ago(25), temperature_c=36.8, resp_rate=14),
        at(ago(20), systolic=118, diastolic=76, heart_rate=70, spo2=97, moaas=4),
        at(ago(10), heart_rate=125, resp_rate=None),
        at(ago(2), moaas=5, spo2=None),
    ]
    assert latest(readings) == {
        "systolic": 118,
        "diastolic": 76,
        "heart_rate": 125,
        "spo2": 97,
        "resp_rate": 14,
        "temperature_c": 36.8,
        "moaas": 5,
        "taken_at": ago(25),
    }


def test_a_lone_systolic_after_a_normal_pair_leaves_diastolic_out() -> None:
    readings = [at(ago(20), **NORMAL), at(ago(5), systolic=200)]
    result = latest(readings)
    assert result == {"systolic": 200, "heart_rate": 72, "spo2": 98, "taken_at": ago(20)}
    assert tuple(predose_gate(result, route="iv", age=40).reasons) == (
        "PREDOSE_BP_MISSING",
        "PREDOSE_BP_HIGH",
    )


def test_a_lone_diastolic_after_a_normal_pair_leaves_systolic_out() -> None:
    readings = [at(ago(20), **NORMAL), at(ago(5), diastolic=85, systolic=None)]
    assert latest(readings) == {"diastolic": 85, "heart_rate": 72, "spo2": 98, "taken_at": ago(20)}


def test_a_reading_with_both_bp_values_none_does_not_break_the_pair() -> None:
    readings = [
        at(ago(20), systolic=130, diastolic=85),
        at(ago(5), systolic=None, diastolic=None, heart_rate=90, spo2=96),
    ]
    assert latest(readings) == {
        "systolic": 130,
        "diastolic": 85,
        "heart_rate": 90,
        "spo2": 96,
        "taken_at": ago(20),
    }


def test_a_re_measured_bp_no_longer_erases_an_earlier_heart_rate_hold() -> None:
    readings = [
        at(ago(6), systolic=130, diastolic=85, heart_rate=128, spo2=97),
        at(ago(1), systolic=128, diastolic=82),
    ]
    result = latest(readings)
    assert result == {
        "systolic": 128,
        "diastolic": 82,
        "heart_rate": 128,
        "spo2": 97,
        "taken_at": ago(6),
    }
    assert tuple(predose_gate(result, route="im", age=40).reasons) == ("PREDOSE_HR",)


def test_readings_need_not_be_sorted() -> None:
    readings = [
        at(ago(1), systolic=128, diastolic=82),
        at(ago(20), **NORMAL),
        at(ago(10), heart_rate=88),
    ]
    assert latest(readings) == {
        "systolic": 128,
        "diastolic": 82,
        "heart_rate": 88,
        "spo2": 98,
        "taken_at": ago(20),
    }


def test_of_two_readings_at_the_same_time_the_later_given_wins() -> None:
    same = ago(5)
    assert latest([at(same, heart_rate=70), at(same, heart_rate=90)]) == {
        "heart_rate": 90,
        "taken_at": same,
    }
    assert latest([at(same, heart_rate=90), at(same, heart_rate=70)]) == {
        "heart_rate": 70,
        "taken_at": same,
    }


def test_a_lone_systolic_given_after_a_pair_at_the_same_time_wins_the_pair() -> None:
    same = ago(5)
    result = latest([at(same, systolic=120, diastolic=80), at(same, systolic=150)])
    assert result == {"systolic": 150, "taken_at": same}


def test_readings_may_be_any_iterable() -> None:
    readings = (reading for reading in [at(ago(20), **NORMAL), at(ago(5), heart_rate=90)])
    assert latest_vitals(readings, now=NOW) == {
        "systolic": 120,
        "diastolic": 80,
        "heart_rate": 90,
        "spo2": 98,
        "taken_at": ago(20),
    }


def test_taken_at_is_the_time_of_the_only_reading_used() -> None:
    readings = [at(ago(40), **NORMAL), at(ago(3), **NORMAL, moaas=5)]
    assert latest(readings) == {**NORMAL, "moaas": 5, "taken_at": ago(3)}


# --- discharge_check --------------------------------------------------------------------

FULL_GOOD = {"systolic": 120, "diastolic": 78, "heart_rate": 72, "spo2": 98, "moaas": 5}
ALL_YES = {"oriented": True, "steady_gait": True, "nausea_controlled": True, "escort_present": True}
DEFAULT_MINUTES = {"iv": 30, "im": 60, "intranasal_esketamine": 120, "oral": 90}


def discharge(**overrides: Any) -> DischargeStatus:
    arguments: dict[str, Any] = {
        "route": "iv",
        "now": NOW,
        "observation_from": ago(150),
        "readings": [at(ago(5), **FULL_GOOD)],
        "baseline": {"systolic": 125, "diastolic": 80},
        "dissociation_resolved": True,
        "open_critical_alerts": 0,
        "assessment": dict(ALL_YES),
    }
    arguments.update(overrides)
    return discharge_check(**arguments)


def met(status: DischargeStatus) -> dict[str, bool]:
    return {criterion.code: criterion.met for criterion in status.criteria}


def unmet(status: DischargeStatus) -> list[str]:
    return [criterion.code for criterion in status.criteria if not criterion.met]


def assert_well_formed(status: DischargeStatus) -> None:
    assert isinstance(status, DischargeStatus)
    assert [criterion.code for criterion in status.criteria] == CRITERIA
    for criterion in status.criteria:
        assert isinstance(criterion, Criterion)
        assert isinstance(criterion.detail, str)
        assert criterion.detail.strip(), criterion.code
    assert status.ready is all(criterion.met for criterion in status.criteria)


@pytest.mark.parametrize("route", ROUTES)
def test_a_patient_meeting_every_criterion_is_ready(route: str) -> None:
    status = discharge(route=route)
    assert_well_formed(status)
    assert unmet(status) == []
    assert status.ready is True


def test_the_criteria_come_in_the_contracts_order_with_details_even_when_all_fail() -> None:
    status = discharge(
        observation_from=None,
        readings=[],
        baseline=None,
        dissociation_resolved=False,
        open_critical_alerts=2,
        assessment={},
    )
    assert_well_formed(status)
    assert unmet(status) == CRITERIA
    assert status.ready is False
    assert status.observation_met_at is None


@pytest.mark.parametrize("route", ROUTES)
def test_an_unknown_route_raises_and_known_routes_do_not(route: str) -> None:
    discharge(route=route)
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        discharge(route=route.upper())


@pytest.mark.parametrize("route", ["intranasal", "nasal", "", "po"])
def test_discharge_check_refuses_a_route_outside_the_four(route: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        discharge(route=route)


# OBSERVATION_TIME


@pytest.mark.parametrize(("route", "minimum"), sorted(DEFAULT_MINUTES.items()))
def test_the_default_minimum_observation_depends_on_the_route(route: str, minimum: int) -> None:
    exactly = discharge(route=route, observation_from=ago(minimum))
    assert met(exactly)["OBSERVATION_TIME"] is True
    assert exactly.observation_met_at == NOW
    assert exactly.ready is True

    one_second_short = discharge(route=route, observation_from=ago(minimum, -1))
    assert met(one_second_short)["OBSERVATION_TIME"] is False
    assert one_second_short.ready is False
    assert one_second_short.observation_met_at == NOW + dt.timedelta(seconds=1)
    assert_well_formed(one_second_short)


def test_an_esketamine_protocol_of_60_minutes_is_raised_to_120() -> None:
    start = ago(60)
    status = discharge(
        route="intranasal_esketamine", observation_from=start, observation_minutes=60
    )
    assert met(status)["OBSERVATION_TIME"] is False
    assert status.observation_met_at == start + dt.timedelta(minutes=120)
    assert status.ready is False


def test_an_esketamine_protocol_above_120_minutes_is_kept() -> None:
    start = ago(130)
    status = discharge(
        route="intranasal_esketamine", observation_from=start, observation_minutes=150
    )
    assert met(status)["OBSERVATION_TIME"] is False
    assert status.observation_met_at == start + dt.timedelta(minutes=150)


@pytest.mark.parametrize(
    ("route", "protocol", "elapsed", "done"),
    [
        ("iv", 45, 40, False),
        ("iv", 45, 45, True),
        ("iv", 20, 20, True),
        ("im", 90, 61, False),
        ("oral", 60, 60, True),
    ],
)
def test_the_protocols_observation_minutes_replace_the_default(
    route: str, protocol: int, elapsed: int, done: bool
) -> None:
    start = ago(elapsed)
    status = discharge(route=route, observation_from=start, observation_minutes=protocol)
    assert met(status)["OBSERVATION_TIME"] is done
    assert status.observation_met_at == start + dt.timedelta(minutes=protocol)


def test_observation_met_at_is_set_while_the_time_is_still_ahead() -> None:
    start = ago(10)
    status = discharge(route="im", observation_from=start)
    assert status.observation_met_at == start + dt.timedelta(minutes=60)
    assert status.observation_met_at > NOW
    assert unmet(status) == ["OBSERVATION_TIME"]


def test_no_dose_yet_leaves_observation_unmet_with_no_time() -> None:
    status = discharge(observation_from=None)
    assert status.observation_met_at is None
    assert unmet(status) == ["OBSERVATION_TIME"]
    assert_well_formed(status)


# VITALS_RECENT and the last full set


@pytest.mark.parametrize(
    ("when", "recent"),
    [(ago(15), True), (ago(15, 1), False), (ago(0), True), (ago(40), False)],
)
def test_vitals_are_recent_when_the_last_full_set_is_at_most_15_minutes_old(
    when: dt.datetime, recent: bool
) -> None:
    status = discharge(readings=[at(when, **FULL_GOOD)])
    assert met(status)["VITALS_RECENT"] is recent
    assert status.ready is recent


def test_an_old_full_set_is_still_the_one_judged_for_bp_and_spo2() -> None:
    status = discharge(readings=[at(ago(40), **FULL_GOOD), at(ago(2), moaas=5)])
    assert unmet(status) == ["VITALS_RECENT"]


def test_readings_taken_after_now_are_ignored() -> None:
    future = NOW + dt.timedelta(minutes=1)
    status = discharge(
        readings=[
            at(ago(5), **FULL_GOOD),
            at(future, systolic=190, diastolic=115, heart_rate=150, spo2=85, moaas=2),
        ]
    )
    assert unmet(status) == []
    only_future = discharge(readings=[at(future, **FULL_GOOD)])
    assert unmet(only_future) == [*NEEDS_A_FULL_SET, "MOAAS_5"]


@pytest.mark.parametrize("missing", ["systolic", "diastolic", "heart_rate", "spo2"])
def test_a_partial_reading_is_not_a_full_set(missing: str) -> None:
    partial = {key: value for key, value in FULL_GOOD.items() if key != missing}
    status = discharge(readings=[at(ago(2), **partial)])
    assert unmet(status) == NEEDS_A_FULL_SET
    with_none = discharge(readings=[at(ago(2), **{**FULL_GOOD, missing: None})])
    assert unmet(with_none) == NEEDS_A_FULL_SET


def test_a_newer_partial_reading_does_not_replace_the_last_full_set() -> None:
    readings = [
        at(ago(30), **FULL_GOOD),
        at(ago(2), systolic=200, diastolic=120, heart_rate=72, moaas=5),
    ]
    status = discharge(readings=readings)
    # The last full set (30 min ago) is judged: BP fine, but not recent.
    assert unmet(status) == ["VITALS_RECENT"]


def test_no_readings_leave_every_vital_criterion_unmet() -> None:
    status = discharge(readings=[])
    assert unmet(status) == [*NEEDS_A_FULL_SET, "MOAAS_5"]
    assert_well_formed(status)


def test_unsorted_readings_find_the_newest_full_set() -> None:
    readings = [
        at(ago(3), **{**FULL_GOOD, "spo2": 93}),
        at(ago(10), **FULL_GOOD),
        at(ago(40), **FULL_GOOD),
    ]
    assert "SPO2_OK" in unmet(discharge(readings=readings))
    assert "SPO2_OK" in unmet(discharge(readings=list(reversed(readings))))


def test_of_two_full_sets_at_the_same_time_the_later_given_counts() -> None:
    same = ago(5)
    good, low = at(same, **FULL_GOOD), at(same, **{**FULL_GOOD, "spo2": 93})
    assert met(discharge(readings=[good, low]))["SPO2_OK"] is False
    assert met(discharge(readings=[low, good]))["SPO2_OK"] is True


def test_readings_may_be_any_iterable_for_discharge() -> None:
    readings = (reading for reading in [at(ago(20), **FULL_GOOD), at(ago(4), **FULL_GOOD)])
    assert discharge(readings=readings).ready is True


# BP_ACCEPTABLE


@pytest.mark.parametrize(
    ("systolic", "diastolic", "baseline", "acceptable"),
    [
        (139, 89, None, True),
        (140, 85, None, False),
        (139, 90, None, False),
        (90, 60, None, True),
        (89, 60, None, False),
        (150, 95, {"systolic": 130, "diastolic": 80}, True),
        (156, 96, {"systolic": 130, "diastolic": 80}, True),
        (157, 95, {"systolic": 130, "diastolic": 80}, False),
        (150, 97, {"systolic": 130, "diastolic": 80}, False),
        (150, 90, {"systolic": 125, "diastolic": 75}, True),
        (159, 80, {"systolic": 150, "diastolic": 90}, True),
        (160, 80, {"systolic": 150, "diastolic": 90}, False),
        (160, 80, {"systolic": 158, "diastolic": 88}, False),
        (150, 99, {"systolic": 145, "diastolic": 90}, True),
        (150, 100, {"systolic": 145, "diastolic": 90}, False),
        (89, 60, {"systolic": 85, "diastolic": 55}, False),
        (150, 95, {"systolic": 130}, False),
        (150, 95, {"systolic": 130, "diastolic": None}, False),
        (150, 95, {}, False),
        (120, 80, {"systolic": 130, "diastolic": 80}, True),
    ],
)
def test_bp_acceptable_follows_the_fixed_limits_and_the_baseline_allowance(
    systolic: int, diastolic: int, baseline: dict[str, Any] | None, acceptable: bool
) -> None:
    reading = {**FULL_GOOD, "systolic": systolic, "diastolic": diastolic}
    status = discharge(readings=[at(ago(5), **reading)], baseline=baseline)
    assert met(status)["BP_ACCEPTABLE"] is acceptable
    assert_well_formed(status)


def test_bp_acceptable_ignores_the_clinics_alert_limits() -> None:
    limits = VitalLimits(bp_high_warning=(130, 85))
    reading = {**FULL_GOOD, "systolic": 138, "diastolic": 84}
    status = discharge(readings=[at(ago(5), **reading)], baseline=None, limits=limits)
    assert met(status)["BP_ACCEPTABLE"] is True
    assert met(status)["NO_ALERT_LAST_SET"] is False


# SPO2_OK


@pytest.mark.parametrize(("spo2", "ok"), [(94, True), (93, False), (100, True)])
def test_spo2_ok_needs_94_or_more_in_the_last_full_set(spo2: int, ok: bool) -> None:
    status = discharge(readings=[at(ago(5), **{**FULL_GOOD, "spo2": spo2})])
    assert met(status)["SPO2_OK"] is ok


def test_spo2_ok_ignores_the_clinics_alert_limit() -> None:
    limits = VitalLimits(spo2_low_warning=92, spo2_low_critical=88)
    status = discharge(readings=[at(ago(5), **{**FULL_GOOD, "spo2": 93})], limits=limits)
    assert met(status)["SPO2_OK"] is False
    assert met(status)["NO_ALERT_LAST_SET"] is True


# NO_ALERT_LAST_SET


def test_no_alert_last_set_uses_the_limits_given() -> None:
    reading = at(ago(5), **{**FULL_GOOD, "heart_rate": 110})
    assert met(discharge(readings=[reading]))["NO_ALERT_LAST_SET"] is True
    limits = VitalLimits(hr_high_warning=100, hr_high_critical=130)
    status = discharge(readings=[reading], limits=limits)
    assert unmet(status) == ["NO_ALERT_LAST_SET"]


def test_no_alert_last_set_uses_the_baseline_for_a_bp_rise() -> None:
    reading = at(ago(5), **{**FULL_GOOD, "systolic": 135, "diastolic": 80})
    status = discharge(readings=[reading], baseline={"systolic": 95, "diastolic": 60})
    assert met(status)["BP_ACCEPTABLE"] is True
    assert met(status)["NO_ALERT_LAST_SET"] is False


@pytest.mark.parametrize(
    "change",
    [{"heart_rate": 125}, {"heart_rate": 48}, {"resp_rate": 9}, {"resp_rate": 30}],
)
def test_an_alert_in_the_last_full_set_is_unmet(change: dict[str, Any]) -> None:
    status = discharge(readings=[at(ago(5), **{**FULL_GOOD, **change})])
    assert unmet(status) == ["NO_ALERT_LAST_SET"]


def test_sedation_in_the_last_full_set_is_an_alert_and_not_moaas_5() -> None:
    status = discharge(readings=[at(ago(5), **{**FULL_GOOD, "moaas": 3})])
    assert unmet(status) == ["NO_ALERT_LAST_SET", "MOAAS_5"]


# MOAAS_5


def test_a_reading_with_only_moaas_counts_for_moaas_5() -> None:
    readings = [at(ago(8), **{**FULL_GOOD, "moaas": 4}), at(ago(1), moaas=5)]
    status = discharge(readings=readings)
    assert met(status)["MOAAS_5"] is True


def test_the_newest_moaas_decides_even_when_it_is_lower() -> None:
    readings = [at(ago(8), **FULL_GOOD), at(ago(1), moaas=4)]
    assert unmet(discharge(readings=readings)) == ["MOAAS_5"]


def test_a_newer_reading_with_moaas_none_is_skipped_for_moaas() -> None:
    readings = [at(ago(8), **FULL_GOOD), at(ago(1), moaas=None, heart_rate=75)]
    assert met(discharge(readings=readings))["MOAAS_5"] is True


def test_no_moaas_at_all_is_unmet() -> None:
    no_moaas = {key: value for key, value in FULL_GOOD.items() if key != "moaas"}
    status = discharge(readings=[at(ago(5), **no_moaas)])
    assert unmet(status) == ["MOAAS_5"]
    assert_well_formed(status)


@pytest.mark.parametrize(("when", "counts"), [(ago(15), True), (ago(15, 1), False)])
def test_moaas_5_looks_back_exactly_15_minutes(when: dt.datetime, counts: bool) -> None:
    no_moaas = {key: value for key, value in FULL_GOOD.items() if key != "moaas"}
    readings = [at(when, moaas=5), at(ago(2), **no_moaas)]
    assert met(discharge(readings=readings))["MOAAS_5"] is counts


def test_an_old_moaas_5_does_not_count_even_if_it_is_the_newest() -> None:
    readings = [at(ago(40), moaas=5), at(ago(5), **{**FULL_GOOD, "moaas": None})]
    assert unmet(discharge(readings=readings)) == ["MOAAS_5"]


def test_a_moaas_after_now_is_ignored() -> None:
    readings = [
        at(ago(5), **{**FULL_GOOD, "moaas": 4}),
        at(NOW + dt.timedelta(seconds=30), moaas=5),
    ]
    assert unmet(discharge(readings=readings)) == ["MOAAS_5"]


def test_of_two_moaas_at_the_same_time_the_later_given_counts() -> None:
    same = ago(3)
    readings = [at(ago(5), **FULL_GOOD), at(same, moaas=5), at(same, moaas=4)]
    assert unmet(discharge(readings=readings)) == ["MOAAS_5"]


# the remaining criteria


def test_unresolved_dissociation_is_unmet() -> None:
    assert unmet(discharge(dissociation_resolved=False)) == ["DISSOCIATION_RESOLVED"]


@pytest.mark.parametrize("count", [1, 3])
def test_an_open_critical_alert_is_unmet(count: int) -> None:
    assert unmet(discharge(open_critical_alerts=count)) == ["NO_OPEN_CRITICAL_ALERT"]


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("oriented", "ORIENTED"),
        ("steady_gait", "STEADY_GAIT"),
        ("nausea_controlled", "NAUSEA_CONTROLLED"),
        ("escort_present", "ESCORT_PRESENT"),
    ],
)
@pytest.mark.parametrize("how", ["false", "missing"])
def test_each_assessment_item_must_be_true(key: str, code: str, how: str) -> None:
    assessment = dict(ALL_YES)
    if how == "false":
        assessment[key] = False
    else:
        del assessment[key]
    status = discharge(assessment=assessment)
    assert unmet(status) == [code]
    assert status.ready is False
    assert_well_formed(status)


def test_an_empty_assessment_leaves_all_four_unmet() -> None:
    assert unmet(discharge(assessment={})) == [
        "ORIENTED",
        "STEADY_GAIT",
        "NAUSEA_CONTROLLED",
        "ESCORT_PRESENT",
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"observation_from": None},
        {"readings": []},
        {"dissociation_resolved": False, "open_critical_alerts": 1},
        {"readings": [at(ago(5), **{**FULL_GOOD, "systolic": 165})]},
        {"baseline": None},
    ],
)
def test_ready_is_exactly_all_criteria_met(overrides: dict[str, Any]) -> None:
    assert_well_formed(discharge(**overrides))
