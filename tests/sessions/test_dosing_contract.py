"""dose_check (v2), to the letter of engine-api.md `sessions/dosing.py`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessions.dosing import DoseCheck, DoseIssue, DoseLimits, dose_check

D = Decimal
ESK = "intranasal_esketamine"
ROUTES = ["iv", "im", ESK, "oral"]
LEVELS = {
    "WEIGHT_MISSING": "refuse",
    "WEIGHT_CHANGED": "confirm",
    "DOSE_ABOVE_ORDER": "refuse",
    "DOSE_ABOVE_MAX": "refuse",
    "DOSE_ABOVE_USUAL": "warning",
    "ESKETAMINE_FIRST_DOSE": "refuse",
    "INFUSION_TOO_SHORT": "refuse",
    "INFUSION_TOO_FAST": "refuse",
}
TABLE_ORDER = list(LEVELS)

# An unremarkable, allowed dose per route.
BASE: dict[str, dict[str, Any]] = {
    "iv": {
        "total_mg": D("50"),
        "weight_kg": D("100"),
        "ordered_total_mg": D("50"),
        "infusion_minutes": 40,
        "ordered_infusion_minutes": 40,
    },
    "im": {"total_mg": D("50"), "weight_kg": D("100"), "ordered_total_mg": D("50")},
    ESK: {"total_mg": D("56"), "weight_kg": D("80"), "ordered_total_mg": D("56"), "devices": 2},
    "oral": {"total_mg": D("150"), "weight_kg": D("80"), "ordered_total_mg": D("150")},
}


def check(route: str = "iv", **overrides: Any) -> DoseCheck:
    arguments: dict[str, Any] = {
        "route": route,
        "previous_weight_kg": None,
        "amended": False,
        "first_dose": False,
        "devices": None,
        "infusion_minutes": None,
        "ordered_infusion_minutes": None,
        **BASE[route],
    }
    arguments.update(overrides)
    return dose_check(**arguments)


def codes(route: str = "iv", **overrides: Any) -> list[str]:
    return [issue.code for issue in check(route, **overrides).issues]


def assert_well_formed(result: DoseCheck) -> None:
    assert isinstance(result, DoseCheck)
    found = [issue.code for issue in result.issues]
    assert len(found) == len(set(found))
    assert found == sorted(found, key=TABLE_ORDER.index)
    for issue in result.issues:
        assert isinstance(issue, DoseIssue)
        assert issue.level == LEVELS[issue.code], issue.code
        assert issue.message.strip(), issue.code


# --- the unremarkable dose --------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_an_unremarkable_dose_is_allowed_with_no_issues(route: str) -> None:
    result = check(route)
    assert result.allowed is True
    assert tuple(result.issues) == ()


def test_half_a_mg_per_kg_for_100_kg_is_50_mg_and_allowed() -> None:
    result = check("iv", total_mg=D("50"), weight_kg=D("100"), ordered_total_mg=D("50"))
    assert result.allowed is True
    assert result.issues == ()


@pytest.mark.parametrize("route", ["iv", "im"])
def test_whole_numbers_are_accepted_for_amounts_and_weights(route: str) -> None:
    as_int = check(route, total_mg=50, weight_kg=100, ordered_total_mg=50, previous_weight_kg=98)
    as_decimal = check(
        route,
        total_mg=D("50"),
        weight_kg=D("100"),
        ordered_total_mg=D("50"),
        previous_weight_kg=D("98"),
    )
    assert as_int == as_decimal
    assert as_int.allowed is True


def test_whole_numbers_are_accepted_in_a_refusal_too() -> None:
    assert codes("iv", total_mg=101, weight_kg=100, ordered_total_mg=101) == ["DOSE_ABOVE_MAX"]


# --- mg/kg limits (iv and im) -----------------------------------------------------------


@pytest.mark.parametrize("route", ["iv", "im"])
@pytest.mark.parametrize(
    ("total", "weight", "expected", "allowed"),
    [
        ("75", "100", [], True),
        ("75.01", "100", ["DOSE_ABOVE_USUAL"], True),
        ("100", "100", ["DOSE_ABOVE_USUAL"], True),
        ("100.01", "100", ["DOSE_ABOVE_MAX"], False),
        ("80", "80", ["DOSE_ABOVE_USUAL"], True),
        ("80.01", "80", ["DOSE_ABOVE_MAX"], False),
        ("60", "80", [], True),
        ("60.01", "80", ["DOSE_ABOVE_USUAL"], True),
    ],
)
def test_mg_per_kg_is_compared_exactly_against_usual_and_max(
    route: str, total: str, weight: str, expected: list[str], allowed: bool
) -> None:
    result = check(route, total_mg=D(total), weight_kg=D(weight), ordered_total_mg=D(total))
    assert [issue.code for issue in result.issues] == expected
    assert result.allowed is allowed
    assert_well_formed(result)


@pytest.mark.parametrize("route", ["iv", "im"])
@pytest.mark.parametrize(
    ("total", "expected", "allowed"),
    [
        ("150", [], True),
        ("150.1", ["DOSE_ABOVE_MAX"], False),
        ("200", ["DOSE_ABOVE_MAX"], False),
    ],
)
def test_the_total_is_capped_at_150_mg_whatever_the_weight(
    route: str, total: str, expected: list[str], allowed: bool
) -> None:
    # 200 kg: 150 mg is exactly 0.75 mg/kg; 150.1 mg would also be above usual.
    result = check(route, total_mg=D(total), weight_kg=D("200"), ordered_total_mg=D(total))
    assert [issue.code for issue in result.issues] == expected
    assert result.allowed is allowed


@pytest.mark.parametrize("route", ["iv", "im"])
def test_dose_above_usual_is_absent_when_dose_above_max_is_present(route: str) -> None:
    found = codes(route, total_mg=D("120"), weight_kg=D("100"), ordered_total_mg=D("120"))
    assert found == ["DOSE_ABOVE_MAX"]


@pytest.mark.parametrize("route", ["iv", "im"])
def test_a_missing_weight_refuses_iv_and_im(route: str) -> None:
    result = check(route, weight_kg=None)
    assert [issue.code for issue in result.issues] == ["WEIGHT_MISSING"]
    assert result.allowed is False
    assert_well_formed(result)


@pytest.mark.parametrize("route", ["iv", "im"])
def test_a_missing_weight_skips_mg_per_kg_but_keeps_the_total_cap(route: str) -> None:
    assert codes(route, weight_kg=None, total_mg=D("100"), ordered_total_mg=D("100")) == [
        "WEIGHT_MISSING"
    ]
    assert codes(route, weight_kg=None, total_mg=D("160"), ordered_total_mg=D("160")) == [
        "WEIGHT_MISSING",
        "DOSE_ABOVE_MAX",
    ]


@pytest.mark.parametrize("route", [ESK, "oral"])
def test_a_missing_weight_does_not_refuse_esketamine_or_oral(route: str) -> None:
    result = check(route, weight_kg=None)
    assert result.issues == ()
    assert result.allowed is True


# --- weight change ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "weight", "changed"),
    [
        ("82", "90.2", False),
        ("82", "73.8", False),
        ("82", "90.21", True),
        ("82", "73.79", True),
        ("82", "180", True),
        ("82", "82", False),
        ("100", "110", False),
        ("100", "89.99", True),
    ],
)
def test_weight_changed_only_when_strictly_more_than_ten_percent(
    previous: str, weight: str, changed: bool
) -> None:
    result = check(
        "iv",
        previous_weight_kg=D(previous),
        weight_kg=D(weight),
        total_mg=D("40"),
        ordered_total_mg=D("40"),
    )
    assert [issue.code for issue in result.issues] == (["WEIGHT_CHANGED"] if changed else [])
    assert result.allowed is not changed


@pytest.mark.parametrize("route", ROUTES)
def test_a_confirmed_weight_change_stays_listed_but_no_longer_blocks(route: str) -> None:
    unconfirmed = check(route, previous_weight_kg=D("60"), weight_kg=D("90"))
    assert [issue.code for issue in unconfirmed.issues] == ["WEIGHT_CHANGED"]
    assert unconfirmed.issues[0].level == "confirm"
    assert unconfirmed.allowed is False

    confirmed = check(route, previous_weight_kg=D("60"), weight_kg=D("90"), weight_confirmed=True)
    assert [issue.code for issue in confirmed.issues] == ["WEIGHT_CHANGED"]
    assert confirmed.allowed is True


def test_confirming_a_weight_change_does_not_lift_a_refusal() -> None:
    result = check(
        "iv",
        previous_weight_kg=D("82"),
        weight_kg=D("180"),
        total_mg=D("200"),
        ordered_total_mg=D("200"),
        weight_confirmed=True,
    )
    assert [issue.code for issue in result.issues] == ["WEIGHT_CHANGED", "DOSE_ABOVE_MAX"]
    assert result.allowed is False


def test_no_previous_weight_means_no_weight_change() -> None:
    assert codes("iv", previous_weight_kg=None) == []


# --- the order --------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_a_dose_above_the_order_is_refused(route: str) -> None:
    ordered = BASE[route]["ordered_total_mg"]
    result = check(route, ordered_total_mg=ordered - D("0.01"))
    assert [issue.code for issue in result.issues] == ["DOSE_ABOVE_ORDER"]
    assert result.allowed is False


@pytest.mark.parametrize("route", ROUTES)
def test_a_dose_equal_to_or_below_the_order_or_without_one_is_not_refused(route: str) -> None:
    total = BASE[route]["total_mg"]
    assert codes(route, ordered_total_mg=total) == []
    assert codes(route, ordered_total_mg=total + 1) == []
    assert codes(route, ordered_total_mg=None) == []


def test_an_amendment_raises_the_order() -> None:
    result = check("iv", total_mg=D("70"), ordered_total_mg=D("70"), amended=True)
    assert [issue.code for issue in result.issues] == []
    assert result.allowed is True


# --- esketamine ---------------------------------------------------------------------------


@pytest.mark.parametrize(("devices", "total"), [(1, "28"), (2, "56"), (3, "84")])
def test_esketamine_is_28_mg_per_device_for_one_to_three_devices(devices: int, total: str) -> None:
    result = check(ESK, devices=devices, total_mg=D(total), ordered_total_mg=D(total))
    assert result.issues == ()
    assert result.allowed is True


@pytest.mark.parametrize(
    ("devices", "total"),
    [(0, "0.5"), (4, "112"), (None, "56"), (-1, "28"), (2, "84"), (3, "56"), (2, "56.5")],
)
def test_an_esketamine_device_count_or_total_off_the_label_is_above_max(
    devices: int | None, total: str
) -> None:
    result = check(ESK, devices=devices, total_mg=D(total), ordered_total_mg=D(total))
    assert [issue.code for issue in result.issues] == ["DOSE_ABOVE_MAX"]
    assert result.allowed is False


def test_an_esketamine_first_dose_of_three_devices_is_refused() -> None:
    result = check(ESK, first_dose=True, devices=3, total_mg=D("84"), ordered_total_mg=D("84"))
    assert [issue.code for issue in result.issues] == ["ESKETAMINE_FIRST_DOSE"]
    assert result.issues[0].level == "refuse"
    assert result.allowed is False


def test_an_amendment_lifts_the_esketamine_first_dose_refusal() -> None:
    result = check(
        ESK, first_dose=True, devices=3, total_mg=D("84"), ordered_total_mg=D("84"), amended=True
    )
    assert result.issues == ()
    assert result.allowed is True


@pytest.mark.parametrize(("devices", "total"), [(1, "28"), (2, "56")])
def test_an_esketamine_first_dose_of_one_or_two_devices_is_allowed(
    devices: int, total: str
) -> None:
    result = check(ESK, first_dose=True, devices=devices, total_mg=D(total), ordered_total_mg=None)
    assert result.issues == ()
    assert result.allowed is True


def test_esketamine_has_no_usual_dose_warning_and_no_mg_per_kg() -> None:
    assert (
        codes(ESK, devices=3, total_mg=D("84"), ordered_total_mg=D("84"), weight_kg=D("40")) == []
    )


def test_esketamine_ignores_infusion_minutes() -> None:
    assert codes(ESK, infusion_minutes=1, ordered_infusion_minutes=10) == []


# --- oral ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("200", []),
        ("200.5", ["DOSE_ABOVE_USUAL"]),
        ("300", ["DOSE_ABOVE_USUAL"]),
        ("300.1", ["DOSE_ABOVE_MAX"]),
    ],
)
def test_oral_doses_warn_above_200_mg_and_are_refused_above_300_mg(
    total: str, expected: list[str]
) -> None:
    result = check("oral", total_mg=D(total), ordered_total_mg=D(total))
    assert [issue.code for issue in result.issues] == expected
    assert result.allowed is (expected != ["DOSE_ABOVE_MAX"])


def test_oral_doses_have_no_mg_per_kg_limit() -> None:
    assert codes("oral", total_mg=D("150"), weight_kg=D("40")) == []


# --- infusion time (iv) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordered", "given", "expected"),
    [
        (40, 40, []),
        (40, 36, []),
        (40, 35, ["INFUSION_TOO_FAST"]),
        (40, 60, []),
        (39, 39, ["INFUSION_TOO_SHORT"]),
        (30, 28, ["INFUSION_TOO_SHORT"]),
        (30, 20, ["INFUSION_TOO_SHORT", "INFUSION_TOO_FAST"]),
        (50, 45, []),
        (50, 44, ["INFUSION_TOO_FAST"]),
        (40, None, []),
        (None, 10, []),
    ],
)
def test_iv_infusions_below_40_minutes_or_run_more_than_10_percent_short_are_refused(
    ordered: int | None, given: int | None, expected: list[str]
) -> None:
    result = check("iv", ordered_infusion_minutes=ordered, infusion_minutes=given)
    assert [issue.code for issue in result.issues] == expected
    assert result.allowed is (expected == [])


@pytest.mark.parametrize("route", ["im", "oral"])
def test_infusion_rules_apply_to_iv_only(route: str) -> None:
    assert codes(route, ordered_infusion_minutes=20, infusion_minutes=5) == []


# --- an amendment never lifts the hard limits --------------------------------------------


@pytest.mark.parametrize(
    ("route", "overrides", "code"),
    [
        ("iv", {"total_mg": D("120"), "ordered_total_mg": D("120")}, "DOSE_ABOVE_MAX"),
        (
            "im",
            {"total_mg": D("160"), "weight_kg": D("200"), "ordered_total_mg": D("160")},
            "DOSE_ABOVE_MAX",
        ),
        ("oral", {"total_mg": D("350"), "ordered_total_mg": D("350")}, "DOSE_ABOVE_MAX"),
        (ESK, {"devices": 4, "total_mg": D("112"), "ordered_total_mg": D("112")}, "DOSE_ABOVE_MAX"),
        ("iv", {"ordered_infusion_minutes": 30, "infusion_minutes": 30}, "INFUSION_TOO_SHORT"),
        ("iv", {"ordered_infusion_minutes": 60, "infusion_minutes": 40}, "INFUSION_TOO_FAST"),
    ],
)
def test_an_amendment_never_lifts_the_hard_limits(
    route: str, overrides: dict[str, Any], code: str
) -> None:
    result = check(route, amended=True, **overrides)
    assert [issue.code for issue in result.issues] == [code]
    assert result.allowed is False


# --- order of issues ---------------------------------------------------------------------


def test_iv_issues_come_in_the_tables_order() -> None:
    result = check(
        "iv",
        previous_weight_kg=D("82"),
        weight_kg=D("180"),
        total_mg=D("200"),
        ordered_total_mg=D("40"),
        ordered_infusion_minutes=30,
        infusion_minutes=20,
    )
    assert [issue.code for issue in result.issues] == [
        "WEIGHT_CHANGED",
        "DOSE_ABOVE_ORDER",
        "DOSE_ABOVE_MAX",
        "INFUSION_TOO_SHORT",
        "INFUSION_TOO_FAST",
    ]
    assert_well_formed(result)


def test_a_usual_dose_warning_sits_between_order_and_infusion_issues() -> None:
    result = check(
        "iv",
        previous_weight_kg=D("82"),
        weight_kg=D("180"),
        total_mg=D("140"),
        ordered_total_mg=D("100"),
        ordered_infusion_minutes=30,
        infusion_minutes=20,
    )
    assert [issue.code for issue in result.issues] == [
        "WEIGHT_CHANGED",
        "DOSE_ABOVE_ORDER",
        "DOSE_ABOVE_USUAL",
        "INFUSION_TOO_SHORT",
        "INFUSION_TOO_FAST",
    ]
    assert_well_formed(result)


def test_weight_missing_comes_first() -> None:
    result = check(
        "iv",
        weight_kg=None,
        previous_weight_kg=D("80"),
        total_mg=D("200"),
        ordered_total_mg=D("100"),
        ordered_infusion_minutes=30,
        infusion_minutes=20,
    )
    assert [issue.code for issue in result.issues] == [
        "WEIGHT_MISSING",
        "DOSE_ABOVE_ORDER",
        "DOSE_ABOVE_MAX",
        "INFUSION_TOO_SHORT",
        "INFUSION_TOO_FAST",
    ]
    assert_well_formed(result)


def test_esketamine_issues_come_in_the_tables_order() -> None:
    result = check(
        ESK,
        previous_weight_kg=D("60"),
        weight_kg=D("80"),
        first_dose=True,
        devices=3,
        total_mg=D("90"),
        ordered_total_mg=D("56"),
    )
    assert [issue.code for issue in result.issues] == [
        "WEIGHT_CHANGED",
        "DOSE_ABOVE_ORDER",
        "DOSE_ABOVE_MAX",
        "ESKETAMINE_FIRST_DOSE",
    ]
    assert_well_formed(result)


def test_a_warning_alone_does_not_block() -> None:
    result = check("iv", total_mg=D("90"), ordered_total_mg=D("90"))
    assert [(issue.code, issue.level) for issue in result.issues] == [
        ("DOSE_ABOVE_USUAL", "warning")
    ]
    assert result.allowed is True


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["intranasal", "IV", "esketamine", "", "sublingual"])
def test_an_unknown_route_raises(route: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        dose_check(
            route=route,
            total_mg=D("50"),
            weight_kg=D("100"),
            previous_weight_kg=None,
            ordered_total_mg=None,
            amended=False,
            first_dose=False,
            devices=None,
            infusion_minutes=None,
            ordered_infusion_minutes=None,
        )


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "overrides",
    [
        {"total_mg": D("0")},
        {"total_mg": 0},
        {"total_mg": D("-10")},
        {"weight_kg": D("0")},
        {"weight_kg": 0},
        {"weight_kg": D("-70")},
        # A zero or negative previous weight is garbage too; refusing it is the safer reading.
        {"previous_weight_kg": D("0")},
        {"previous_weight_kg": D("-70")},
    ],
)
def test_a_zero_or_negative_total_or_weight_raises(route: str, overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract fixes no wording
        check(route, **overrides)


# --- clinic limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "route", "overrides", "expected"),
    [
        (DoseLimits(iv_max_mg_per_kg=D("0.5")), "iv", {"total_mg": D("60")}, ["DOSE_ABOVE_MAX"]),
        (
            DoseLimits(iv_usual_mg_per_kg=D("0.5")),
            "iv",
            {"total_mg": D("60")},
            ["DOSE_ABOVE_USUAL"],
        ),
        (DoseLimits(im_max_mg_per_kg=D("0.5")), "im", {"total_mg": D("60")}, ["DOSE_ABOVE_MAX"]),
        (
            DoseLimits(im_usual_mg_per_kg=D("0.5")),
            "im",
            {"total_mg": D("60")},
            ["DOSE_ABOVE_USUAL"],
        ),
        (DoseLimits(iv_max_mg_per_kg=D("1.5")), "iv", {"total_mg": D("120")}, ["DOSE_ABOVE_USUAL"]),
        (
            DoseLimits(max_total_mg=D("100")),
            "iv",
            {"total_mg": D("110"), "weight_kg": D("200")},
            ["DOSE_ABOVE_MAX"],
        ),
        (DoseLimits(oral_usual_mg=D("100")), "oral", {"total_mg": D("150")}, ["DOSE_ABOVE_USUAL"]),
        (DoseLimits(oral_max_mg=D("250")), "oral", {"total_mg": D("260")}, ["DOSE_ABOVE_MAX"]),
        (
            DoseLimits(iv_min_infusion_minutes=30),
            "iv",
            {"ordered_infusion_minutes": 35, "infusion_minutes": 35},
            [],
        ),
        (DoseLimits(iv_min_infusion_minutes=45), "iv", {}, ["INFUSION_TOO_SHORT"]),
        (DoseLimits(infusion_tolerance=D("0.20")), "iv", {"infusion_minutes": 32}, []),
        (
            DoseLimits(infusion_tolerance=D("0.20")),
            "iv",
            {"infusion_minutes": 31},
            ["INFUSION_TOO_FAST"],
        ),
        (
            DoseLimits(weight_change_fraction=D("0.05")),
            "iv",
            {"previous_weight_kg": D("100"), "weight_kg": D("105")},
            [],
        ),
        (
            DoseLimits(weight_change_fraction=D("0.05")),
            "iv",
            {"previous_weight_kg": D("100"), "weight_kg": D("105.1")},
            ["WEIGHT_CHANGED"],
        ),
    ],
)
def test_the_clinics_limits_are_honoured(
    limits: DoseLimits, route: str, overrides: dict[str, Any], expected: list[str]
) -> None:
    overrides = dict(overrides)
    overrides.setdefault("ordered_total_mg", overrides.get("total_mg", BASE[route]["total_mg"]))
    result = check(route, limits=limits, **overrides)
    assert [issue.code for issue in result.issues] == expected


def test_default_limits_match_the_contract() -> None:
    limits = DoseLimits()
    assert limits.iv_usual_mg_per_kg == D("0.75")
    assert limits.iv_max_mg_per_kg == D("1.0")
    assert limits.im_usual_mg_per_kg == D("0.75")
    assert limits.im_max_mg_per_kg == D("1.0")
    assert limits.max_total_mg == D("150")
    assert limits.oral_usual_mg == D("200")
    assert limits.oral_max_mg == D("300")
    assert limits.iv_min_infusion_minutes == 40
    assert limits.infusion_tolerance == D("0.10")
    assert limits.weight_change_fraction == D("0.10")
    assert check("iv", limits=None) == check("iv", limits=limits)


# --- property ------------------------------------------------------------------------


@given(
    weight=st.decimals(min_value="0.1", max_value="300", places=1),
    excess=st.one_of(
        st.decimals(min_value="0.01", max_value="1", places=2),
        st.decimals(min_value="0.01", max_value="500", places=2),
    ),
    amended=st.booleans(),
    confirmed=st.booleans(),
)
def test_an_iv_dose_above_one_mg_per_kg_is_never_allowed(
    weight: Decimal, excess: Decimal, amended: bool, confirmed: bool
) -> None:
    total = weight + excess  # so total / weight > 1.0, often just above it
    result = dose_check(
        route="iv",
        total_mg=total,
        weight_kg=weight,
        previous_weight_kg=None,
        ordered_total_mg=total,
        amended=amended,
        first_dose=False,
        devices=None,
        infusion_minutes=40,
        ordered_infusion_minutes=40,
        weight_confirmed=confirmed,
    )
    assert result.allowed is False
    assert "DOSE_ABOVE_MAX" in [issue.code for issue in result.issues]
