"""A FHIR resource as this API emits it: plain JSON data, `resourceType` first.

The mappers (`fhir.mapping`) build resources with `resource(...)`, and every answer, page,
Bundle and export line is written with `to_json(...)`. Serialising the data directly costs
about 15 µs a resource; building and dumping a `fhir.resources` model costs about 460
(benchmarks/RESULTS.md, "Issue 18"), which at a bulk export of millions of resources is
the difference between a few minutes and half an hour.

Validity is not left to chance: with `FHIR_CHECK_RESOURCES` on (the test suite, and
development with `DEBUG`) every resource made is parsed by `fhir.resources`' R4B model of
its type as it is made, and a resource the model refuses raises `InvalidResource` — so
every resource any test emits has passed the maintained library. Absent values (`None`,
`""`, `[]`, `{}`) are dropped at every depth: FHIR forbids empty elements and `null`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings

Resource = dict[str, Any]

# FHIR's string: no control characters but tab, CR and LF (a stray BEL typed into a name).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Written escaped, as Django's json_script does, so a consumer pasting the JSON into a
# page or a script cannot be tricked by a patient's text (`</script>`, U+2028).
_HTML_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


class InvalidResource(ValueError):
    """A mapper built a resource its R4B model refuses (a programming error)."""


def resource(resource_type: str, /, **elements: Any) -> Resource:
    """A resource of `resource_type` with `elements` in the order given, absent ones dropped,
    checked against its R4B model when `FHIR_CHECK_RESOURCES` is on."""
    made: Resource = {"resourceType": resource_type}
    for name, value in elements.items():
        value = _present(value)
        if value is not None:
            made[name] = value
    if getattr(settings, "FHIR_CHECK_RESOURCES", False):
        check(made)
    return made


def _present(value: Any) -> Any:
    """`value` without its absent parts (None when nothing is left)."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            item = _present(item)
            if item is not None:
                kept[key] = item
        return kept or None
    if isinstance(value, list):
        items = [item for item in map(_present, value) if item is not None]
        return items or None
    if isinstance(value, str):
        if not value.isprintable():  # rare: a line break, or a control character
            value = _CONTROL.sub("", value)
        return value or None
    if isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    return value


@cache
def model_of(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource_type)


def check(found: Resource) -> None:
    """Parse `found` with the R4B model of its type: InvalidResource when it refuses."""
    name = f"{found.get('resourceType')}/{found.get('id')}"
    ours = json.loads(to_json(found))
    try:
        model = model_of(found["resourceType"]).model_validate(ours)
    except Exception as refused:  # the library's own validation errors, whatever their class
        raise InvalidResource(f"{name}: {_where(refused)}") from None
    theirs = json.loads(model.model_dump_json())
    if _canonical(theirs) != _canonical(ours):
        differ = sorted(
            key
            for key in theirs.keys() | ours.keys()
            if _canonical(theirs.get(key)) != _canonical(ours.get(key))
        )
        raise InvalidResource(f"{name}: the library writes {', '.join(differ)} differently")


def _where(refused: Exception) -> str:
    """Which elements the model refused and why, never their values (a patient's name
    must not reach a log through an error message)."""
    errors = getattr(refused, "errors", None)
    if not callable(errors):
        return type(refused).__name__
    try:
        found = errors(include_input=False, include_url=False)
    except TypeError:  # not pydantic's ValidationError
        return type(refused).__name__
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in found
    )


def _canonical(data: Any) -> str:
    """Compared as written: 72 and 72.0 differ (FHIR keeps a decimal's precision)."""
    return json.dumps(data, sort_keys=True)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        # FHIR's decimal is a JSON number that keeps its precision as the library writes it:
        # a stored 72.0 kg stays 72.0, a whole number of milligrams (56) has no fraction.
        if not value.is_finite():
            raise ValueError("NaN and infinity are not FHIR decimals")
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, dt.datetime):
        return instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not FHIR JSON")


_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    separators=(",", ":"),
    default=_json_value,
    check_circular=False,
    allow_nan=False,  # NaN is not JSON: a ValueError, never a file nobody can read
)


def to_json(found: Any, *, indent: int | None = None) -> bytes:
    """Compact UTF-8 JSON of a resource (or a Bundle, or any JSON-ready data)."""
    if indent is not None:
        text = json.dumps(
            found, ensure_ascii=False, indent=indent, default=_json_value, allow_nan=False
        )
    else:
        text = _ENCODER.encode(found)
    return text.translate(_HTML_SAFE).encode()


def instant(moment: dt.datetime) -> str:
    """A FHIR dateTime with its offset (UTC as `Z`: FHIR needs a zone when a time is given)."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
