"""The dose safety rules: one policy per route. Pure: no I/O.

Fixed contract: ../shared/spec/engine-api.md `sessions/dosing.py` (version 2). The plan
form, the amendment form and the dose record all call `dose_check`; no other module holds a
dose limit. The clinic's stored limits are passed in as a `DoseLimits`.

Sources: APA consensus (Sanacora 2017: 0.5 mg/kg over 40 min); Fava 2018 (0.1–1.0 mg/kg
studied); Spravato label (56 mg on day 1; 56 or 84 mg after); Ketalar label (respiratory
depression with overdose or a rapid rate).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

IV = "iv"
IM = "im"
ESKETAMINE = "intranasal_esketamine"
ORAL = "oral"
ROUTES = (IV, IM, ESKETAMINE, ORAL)

ESKETAMINE_DEVICE_MG = 28
ESKETAMINE_DEVICE_COUNTS = (1, 2, 3)
ESKETAMINE_FIRST_DOSE_MAX_DEVICES = 2
DEVICE_MIN_GAP_MINUTES = 5
KG_PER_POUND = Decimal("0.45359237")

REFUSE = "refuse"
CONFIRM = "confirm"
WARNING = "warning"


@dataclass(frozen=True)
class DoseLimits:
    """Clinic-configurable dose limits; the defaults are the contract's."""

    iv_usual_mg_per_kg: Decimal = Decimal("0.75")
    iv_max_mg_per_kg: Decimal = Decimal("1.0")
    im_usual_mg_per_kg: Decimal = Decimal("0.75")
    im_max_mg_per_kg: Decimal = Decimal("1.0")
    max_total_mg: Decimal = Decimal("150")
    oral_usual_mg: Decimal = Decimal("200")
    oral_max_mg: Decimal = Decimal("300")
    iv_min_infusion_minutes: int = 40
    infusion_tolerance: Decimal = Decimal("0.10")
    weight_change_fraction: Decimal = Decimal("0.10")


@dataclass(frozen=True)
class DoseIssue:
    code: str
    level: str  # "refuse" | "confirm" | "warning"
    message: str


@dataclass(frozen=True)
class DoseCheck:
    allowed: bool
    issues: tuple[DoseIssue, ...]

    @property
    def refusals(self) -> tuple[DoseIssue, ...]:
        return tuple(issue for issue in self.issues if issue.level == REFUSE)


@dataclass(frozen=True)
class RoutePolicy:
    """How a route is dosed: by weight (mg/kg with a usual and a maximum), by whole
    devices, or as a fixed amount in mg."""

    route: str
    label: str
    basis: str  # "mg_per_kg" | "devices" | "fixed_mg"
    timed_infusion: bool = False

    def usual_and_max(self, limits: DoseLimits) -> tuple[Decimal, Decimal] | None:
        if self.basis == "mg_per_kg":
            return (
                getattr(limits, f"{self.route}_usual_mg_per_kg"),
                getattr(limits, f"{self.route}_max_mg_per_kg"),
            )
        if self.basis == "fixed_mg":
            return limits.oral_usual_mg, limits.oral_max_mg
        return None


POLICIES: dict[str, RoutePolicy] = {
    IV: RoutePolicy(IV, "IV infusion", "mg_per_kg", timed_infusion=True),
    IM: RoutePolicy(IM, "IM injection", "mg_per_kg"),
    ESKETAMINE: RoutePolicy(ESKETAMINE, "esketamine nasal spray", "devices"),
    ORAL: RoutePolicy(ORAL, "oral", "fixed_mg"),
}


def policy_for(route: str) -> RoutePolicy:
    if route not in POLICIES:
        raise ValueError(f"Unknown route {route!r}; expected one of {', '.join(ROUTES)}.")
    return POLICIES[route]


def _amount(name: str, value: Any, *, required: bool) -> Decimal | None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name}: {value!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"{name}: {value!r} must be above zero")
    return amount


def _minutes(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name}: expected a whole number of minutes above zero, got {value!r}")
    return value


def _mg(value: Decimal) -> str:
    return f"{value.normalize():f} mg"


def _per_kg(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} mg/kg"


def _for_weight(total: Decimal, weight: Decimal) -> str:
    # An order checked per kilogram (a 1 kg reference) has no patient weight to show.
    return "" if weight == 1 else f" ({_mg(total)} for {weight.normalize():f} kg)"


def _limit_per_kg(value: Decimal) -> str:
    shown = value.normalize()
    return f"{shown:.1f} mg/kg" if shown == shown.to_integral_value() else f"{shown:f} mg/kg"


def weight_changed(
    weight_kg: Decimal, previous_weight_kg: Decimal | None, limits: DoseLimits | None = None
) -> DoseIssue | None:
    """`WEIGHT_CHANGED` when today's weight differs from the last recorded one by more than
    the clinic's fraction (strictly): what catches pounds typed as kilograms. Check-in asks
    for the confirmation; `dose_check` holds the dose until it is given."""
    lim = limits or DoseLimits()
    weight = _amount("weight_kg", weight_kg, required=True)
    previous = _amount("previous_weight_kg", previous_weight_kg, required=False)
    assert weight is not None
    if previous is None or abs(weight - previous) <= lim.weight_change_fraction * previous:
        return None
    share = lim.weight_change_fraction * 100
    return DoseIssue(
        "WEIGHT_CHANGED",
        CONFIRM,
        f"{weight.normalize():f} kg differs from the last recorded "
        f"{previous.normalize():f} kg by more than {share.normalize():f} %: confirm it "
        f"was re-measured in kilograms (if {weight.normalize():f} was pounds, that is "
        f"{kilograms_from_pounds(weight)} kg).",
    )


def _weight_issues(
    policy: RoutePolicy,
    weight: Decimal | None,
    previous: Decimal | None,
    limits: DoseLimits,
) -> list[DoseIssue]:
    issues = []
    if policy.basis == "mg_per_kg" and weight is None:
        issues.append(
            DoseIssue(
                "WEIGHT_MISSING",
                REFUSE,
                f"A weight is needed to dose by mg/kg ({policy.label}): record today's weight.",
            )
        )
    if weight is not None:
        changed = weight_changed(weight, previous, limits)
        if changed is not None:
            issues.append(changed)
    return issues


def _above_max(
    policy: RoutePolicy,
    total: Decimal,
    weight: Decimal | None,
    devices: int | None,
    limits: DoseLimits,
) -> DoseIssue | None:
    if policy.basis == "devices":
        if not isinstance(devices, int) or isinstance(devices, bool):
            return DoseIssue("DOSE_ABOVE_MAX", REFUSE, "Give 1, 2 or 3 esketamine devices.")
        if devices not in ESKETAMINE_DEVICE_COUNTS:
            return DoseIssue(
                "DOSE_ABOVE_MAX",
                REFUSE,
                f"{devices} devices: esketamine is 1, 2 or 3 devices (28, 56 or 84 mg).",
            )
        if total != ESKETAMINE_DEVICE_MG * devices:
            return DoseIssue(
                "DOSE_ABOVE_MAX",
                REFUSE,
                f"{_mg(total)} is not {devices} × {ESKETAMINE_DEVICE_MG} mg devices "
                f"({ESKETAMINE_DEVICE_MG * devices} mg).",
            )
        return None
    usual_max = policy.usual_and_max(limits)
    assert usual_max is not None
    _usual, maximum = usual_max
    if policy.basis == "fixed_mg":
        if total > maximum:
            return DoseIssue(
                "DOSE_ABOVE_MAX",
                REFUSE,
                f"{_mg(total)} is above the {policy.label} maximum of {_mg(maximum)}.",
            )
        return None
    if weight is not None and total / weight > maximum:
        return DoseIssue(
            "DOSE_ABOVE_MAX",
            REFUSE,
            f"{_per_kg(total / weight)}{_for_weight(total, weight)} is above the "
            f"{policy.label} maximum of {_limit_per_kg(maximum)}.",
        )
    if total > limits.max_total_mg:
        return DoseIssue(
            "DOSE_ABOVE_MAX",
            REFUSE,
            f"{_mg(total)} is above the maximum total of {_mg(limits.max_total_mg)} for "
            f"{policy.label}.",
        )
    return None


def _above_usual(
    policy: RoutePolicy, total: Decimal, weight: Decimal | None, limits: DoseLimits
) -> DoseIssue | None:
    usual_max = policy.usual_and_max(limits)
    if usual_max is None:
        return None
    usual, _maximum = usual_max
    if policy.basis == "fixed_mg" and total > usual:
        return DoseIssue(
            "DOSE_ABOVE_USUAL",
            WARNING,
            f"{_mg(total)} is above the usual {policy.label} dose of {_mg(usual)}.",
        )
    if policy.basis == "mg_per_kg" and weight is not None and total / weight > usual:
        return DoseIssue(
            "DOSE_ABOVE_USUAL",
            WARNING,
            f"{_per_kg(total / weight)} is above the usual {policy.label} dose of "
            f"{_limit_per_kg(usual)}.",
        )
    return None


def _infusion_issues(
    policy: RoutePolicy,
    infusion_minutes: int | None,
    ordered_minutes: int | None,
    limits: DoseLimits,
) -> list[DoseIssue]:
    if not policy.timed_infusion or ordered_minutes is None:
        return []
    issues = []
    if ordered_minutes < limits.iv_min_infusion_minutes:
        issues.append(
            DoseIssue(
                "INFUSION_TOO_SHORT",
                REFUSE,
                f"An infusion over {ordered_minutes} min is too fast: order at least "
                f"{limits.iv_min_infusion_minutes} min.",
            )
        )
    shortest = Decimal(ordered_minutes) * (1 - limits.infusion_tolerance)
    if infusion_minutes is not None and infusion_minutes < shortest:
        share = (limits.infusion_tolerance * 100).normalize()
        issues.append(
            DoseIssue(
                "INFUSION_TOO_FAST",
                REFUSE,
                f"The infusion ran {infusion_minutes} min, more than {share:f} % shorter than "
                f"the {ordered_minutes} min ordered.",
            )
        )
    return issues


def _above_order_issues(total: Decimal, ordered: Decimal | None, amended: bool) -> list[DoseIssue]:
    """`DOSE_ABOVE_ORDER`: more than the plan (or the amendment) orders."""
    issues = []
    if ordered is not None and total > ordered:
        issues.append(
            DoseIssue(
                "DOSE_ABOVE_ORDER",
                REFUSE,
                f"{_mg(total)} is above the {_mg(ordered)} ordered"
                + (" in the amendment." if amended else " in the treatment plan.")
                + ("" if amended else " Only a psychiatrist's amendment can raise it."),
            )
        )
    return issues


def _dose_limit_issues(
    policy: RoutePolicy,
    total: Decimal,
    weight: Decimal | None,
    devices: int | None,
    limits: DoseLimits,
) -> list[DoseIssue]:
    """`DOSE_ABOVE_MAX`, or else `DOSE_ABOVE_USUAL` (never both)."""
    issues = []
    above_max = _above_max(policy, total, weight, devices, limits)
    if above_max is not None:
        issues.append(above_max)
    else:
        above_usual = _above_usual(policy, total, weight, limits)
        if above_usual is not None:
            issues.append(above_usual)
    return issues


def _first_dose_issues(
    policy: RoutePolicy, first_dose: bool, devices: int | None, amended: bool
) -> list[DoseIssue]:
    """`ESKETAMINE_FIRST_DOSE`: 84 mg (3 devices) as the first dose, unless amended."""
    issues = []
    if (
        policy.basis == "devices"
        and first_dose
        and devices == len(ESKETAMINE_DEVICE_COUNTS)
        and not amended
    ):
        issues.append(
            DoseIssue(
                "ESKETAMINE_FIRST_DOSE",
                REFUSE,
                "The first esketamine dose is at most 56 mg (2 devices) by the label; a "
                "psychiatrist's amendment is needed for 84 mg.",
            )
        )
    return issues


def dose_check(
    *,
    route: str,
    total_mg: Decimal,
    weight_kg: Decimal | None,
    previous_weight_kg: Decimal | None,
    ordered_total_mg: Decimal | None,
    amended: bool,
    first_dose: bool,
    devices: int | None,
    infusion_minutes: int | None,
    ordered_infusion_minutes: int | None,
    weight_confirmed: bool = False,
    limits: DoseLimits | None = None,
) -> DoseCheck:
    """Every dose issue of engine-api.md's table, in its order; `allowed` when nothing is
    refused and every confirmation was given."""
    policy = policy_for(route)
    lim = limits or DoseLimits()
    total = _amount("total_mg", total_mg, required=True)
    assert total is not None
    weight = _amount("weight_kg", weight_kg, required=False)
    previous = _amount("previous_weight_kg", previous_weight_kg, required=False)
    ordered = _amount("ordered_total_mg", ordered_total_mg, required=False)
    given_minutes = _minutes("infusion_minutes", infusion_minutes)
    ordered_minutes = _minutes("ordered_infusion_minutes", ordered_infusion_minutes)

    issues = _weight_issues(policy, weight, previous, lim)
    issues += _above_order_issues(total, ordered, amended)
    issues += _dose_limit_issues(policy, total, weight, devices, lim)
    issues += _first_dose_issues(policy, first_dose, devices, amended)
    issues += _infusion_issues(policy, given_minutes, ordered_minutes, lim)

    allowed = not any(issue.level == REFUSE for issue in issues) and (
        weight_confirmed or not any(issue.level == CONFIRM for issue in issues)
    )
    return DoseCheck(allowed=allowed, issues=tuple(issues))


# --- Dose arithmetic shown on the forms --------------------------------------------------


def dose_total_mg(weight_kg: Decimal, mg_per_kg: Decimal) -> Decimal:
    """Weight × mg/kg, rounded half-up to 0.1 mg (the figure shown and recorded)."""
    return (Decimal(weight_kg) * Decimal(mg_per_kg)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def pounds(weight_kg: Decimal) -> Decimal:
    """Kilograms in pounds to 0.1 lb, shown beside every weight."""
    return (Decimal(weight_kg) / KG_PER_POUND).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def kilograms_from_pounds(weight_lb: Decimal) -> Decimal:
    return (Decimal(weight_lb) * KG_PER_POUND).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def given_mg(volume_ml: Decimal, concentration_mg_per_ml: Decimal) -> Decimal:
    """The mg actually given from the volume given and the concentration (0.1 mg)."""
    return (Decimal(volume_ml) * Decimal(concentration_mg_per_ml)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def device_spacing_warnings(times: Sequence[dt.datetime]) -> list[str]:
    """Esketamine devices should be at least 5 minutes apart; one warning per short gap."""
    ordered = sorted(times)
    warnings = []
    for number, (earlier, later) in enumerate(itertools.pairwise(ordered), start=2):
        gap = (later - earlier).total_seconds() / 60
        if gap < DEVICE_MIN_GAP_MINUTES:
            warnings.append(
                f"Device {number} was given {gap:.0f} min after device {number - 1} "
                f"(at least {DEVICE_MIN_GAP_MINUTES} min apart is recommended)."
            )
    return warnings


# --- Orders (plan and amendment) and the infusion actually run --------------------------

IV_MAX_INFUSION_MINUTES = 120  # the plan form's cap (session-monitoring.md §3)


def _order_dose_checks(
    policy: RoutePolicy,
    common: dict[str, Any],
    *,
    mg_per_kg: Decimal | None,
    mg: Decimal | None,
    devices: int | None,
    weight_kg: Decimal | None,
) -> list[DoseCheck]:
    """The `dose_check` runs an order stands for: by devices; by mg/kg per kilogram and,
    with a known weight, as the total at that weight; or by a fixed mg."""
    checks: list[DoseCheck] = []
    if policy.basis == "devices":
        count = devices if isinstance(devices, int) and not isinstance(devices, bool) else 0
        total = (
            Decimal(ESKETAMINE_DEVICE_MG * count) if count > 0 else Decimal(ESKETAMINE_DEVICE_MG)
        )
        checks.append(dose_check(total_mg=total, weight_kg=None, devices=devices, **common))
    elif policy.basis == "mg_per_kg" and mg_per_kg is not None:
        # Per kilogram: a 1 kg reference makes the total the mg/kg itself.
        checks.append(dose_check(total_mg=mg_per_kg, weight_kg=Decimal(1), devices=None, **common))
        if weight_kg is not None:
            checks.append(
                dose_check(
                    total_mg=dose_total_mg(weight_kg, mg_per_kg),
                    weight_kg=weight_kg,
                    devices=None,
                    **common,
                )
            )
    elif mg is not None:
        checks.append(dose_check(total_mg=mg, weight_kg=weight_kg, devices=None, **common))
    return checks


def _merged_order_issues(checks: Sequence[DoseCheck]) -> list[DoseIssue]:
    """Each code once (its first occurrence), without `WEIGHT_MISSING`: an order does not
    need today's weight."""
    issues: list[DoseIssue] = []
    seen: set[str] = set()
    for check in checks:
        for issue in check.issues:
            if issue.code == "WEIGHT_MISSING" or issue.code in seen:
                continue
            seen.add(issue.code)
            issues.append(issue)
    return issues


def _infusion_too_long_issues(policy: RoutePolicy, infusion_minutes: int | None) -> list[DoseIssue]:
    """`INFUSION_TOO_LONG`: an infusion ordered over more than the plan form's cap."""
    issues = []
    if (
        policy.timed_infusion
        and infusion_minutes is not None
        and infusion_minutes > IV_MAX_INFUSION_MINUTES
    ):
        issues.append(
            DoseIssue(
                "INFUSION_TOO_LONG",
                REFUSE,
                f"An infusion is ordered over at most {IV_MAX_INFUSION_MINUTES} minutes.",
            )
        )
    return issues


def _sort_by_issue_order(issues: list[DoseIssue]) -> None:
    """In place, stably, in the order of `ISSUE_ORDER` (unknown codes last)."""
    order = {code: index for index, code in enumerate(ISSUE_ORDER)}
    issues.sort(key=lambda issue: order.get(issue.code, len(order)))


def order_check(
    *,
    route: str,
    mg_per_kg: Decimal | None = None,
    mg: Decimal | None = None,
    devices: int | None = None,
    infusion_minutes: int | None = None,
    weight_kg: Decimal | None = None,
    amended: bool = False,
    first_dose: bool = False,
    limits: DoseLimits | None = None,
) -> DoseCheck:
    """A dose order (the plan, or a psychiatrist's amendment for one session) checked by
    `dose_check` exactly as a dose would be. An order by mg/kg is checked per kilogram and,
    when the patient's weight is known, as the total it gives at that weight. The weight
    itself is taken at each session, so a missing one does not refuse an order."""
    policy = policy_for(route)
    common = {
        "route": route,
        "previous_weight_kg": None,
        "ordered_total_mg": None,
        "amended": amended,
        "first_dose": first_dose,
        "infusion_minutes": None,
        "ordered_infusion_minutes": infusion_minutes if policy.timed_infusion else None,
        "limits": limits,
    }
    checks = _order_dose_checks(
        policy, common, mg_per_kg=mg_per_kg, mg=mg, devices=devices, weight_kg=weight_kg
    )
    issues = _merged_order_issues(checks)
    issues += _infusion_too_long_issues(policy, infusion_minutes)
    _sort_by_issue_order(issues)
    return DoseCheck(
        allowed=not any(issue.level == REFUSE for issue in issues), issues=tuple(issues)
    )


ISSUE_ORDER = (
    "WEIGHT_MISSING",
    "WEIGHT_CHANGED",
    "DOSE_ABOVE_ORDER",
    "DOSE_ABOVE_MAX",
    "DOSE_ABOVE_USUAL",
    "ESKETAMINE_FIRST_DOSE",
    "INFUSION_TOO_SHORT",
    "INFUSION_TOO_FAST",
    "INFUSION_TOO_LONG",
)


def infusion_rate_issue(
    *,
    given_mg: Decimal,
    ordered_total_mg: Decimal,
    minutes_run: int,
    ordered_minutes: int,
    limits: DoseLimits | None = None,
) -> DoseIssue | None:
    """`INFUSION_TOO_FAST` for an infusion that ended: the time it ran is compared with the
    time the amount given should have taken at the ordered rate (an infusion stopped early
    ran for less time because less was given, which is not too fast)."""
    lim = limits or DoseLimits()
    if ordered_total_mg <= 0 or ordered_minutes <= 0:
        return None
    expected = Decimal(ordered_minutes) * Decimal(given_mg) / Decimal(ordered_total_mg)
    if Decimal(minutes_run) < expected * (1 - lim.infusion_tolerance):
        share = (lim.infusion_tolerance * 100).normalize()
        return DoseIssue(
            "INFUSION_TOO_FAST",
            REFUSE,
            f"{_mg(Decimal(given_mg))} ran in {minutes_run} min: more than {share:f} % faster "
            f"than ordered ({_mg(Decimal(ordered_total_mg))} over {ordered_minutes} min).",
        )
    return None
