"""Search parameters: parsed and checked before any query, refused in words.

A parameter the resource does not support is refused (400) unless the client sends
`Prefer: handling=lenient`, when it is ignored (FHIR's strict/lenient handling). Values
are checked here too: a malformed date, count or reference is a 400 naming the
parameter, never a 500 or a silently empty result.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils import timezone

DEFAULT_COUNT = 50
MAX_COUNT = 500
# The opaque cursor of a `next` link (`fhir.cursor`): it stands for the search's
# parameters and the id of the last resource of the page before.
CURSOR = "_cursor"
# Parameters every search takes (FHIR's own result parameters, and the cursor).
RESULT_PARAMETERS = frozenset({"_count", CURSOR, "_format"})

_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}-\d{2}-\d{2})(T[0-9:.+\-Z]+)?$")
_SUPPORTED_PREFIXES = frozenset({"eq", "gt", "lt", "ge", "le"})
_RESOURCE_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
# A row id the database can hold (a bigint): more digits can name no row.
_ROW_ID = re.compile(r"^[0-9]{1,18}$")
# The longest search value (a name, an identifier, a date, a cursor token) any search needs;
# longer is refused before the database (a 100,000-character LIKE pattern is too complex
# for SQLite and a waste of PostgreSQL's time).
MAX_VALUE = 512
# Control characters (a NUL byte cannot even be sent to PostgreSQL): refused in any value.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Dates a search may name: any clinical date, with room for a time zone on either side.
_FIRST_YEAR, _LAST_YEAR = 1000, 9998


class BadSearch(Exception):
    """A search the server refuses (answered 400 with an OperationOutcome)."""

    def __init__(self, message: str, parameter: str = "") -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class DateBound:
    """One `date=` value as a half-open range test: `lower <= value < upper`."""

    lower: dt.datetime | None
    upper: dt.datetime | None


@dataclass
class Search:
    values: dict[str, list[str]] = field(default_factory=dict)
    count: int = DEFAULT_COUNT
    after: str = ""  # the keyset position: the last id of the page before
    cursor: str = ""  # the `_cursor` token as sent (opened by the view, fhir.cursor)

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def dates(self, name: str) -> list[DateBound]:
        return [parse_date(value, name) for value in self.values.get(name, [])]


def is_lenient(prefer_header: str) -> bool:
    """`Prefer: handling=lenient` (among other preferences, comma or semicolon separated)."""
    parts = {part.strip().lower() for part in re.split(r"[,;]", prefer_header)}
    return "handling=lenient" in parts


def parse_search(query: QueryDict, supported: frozenset[str], *, lenient: bool) -> Search:
    """The search's parameters, or BadSearch naming the first one refused."""
    search = Search()
    for name in query:
        values = [value for value in query.getlist(name) if value != ""]
        if _CONTROL.search(name) or any(_CONTROL.search(value) for value in values):
            shown = name if not _CONTROL.search(name) else "A parameter"
            raise BadSearch(f"'{shown}' holds a control character; send plain text.", shown)
        if len(name) > MAX_VALUE or any(len(value) > MAX_VALUE for value in values):
            shown = name if len(name) <= MAX_VALUE else "A parameter"
            raise BadSearch(f"'{shown}' is too long: at most {MAX_VALUE} characters.", shown)
        if name in RESULT_PARAMETERS:
            continue
        if name not in supported:
            if lenient:
                continue
            raise BadSearch(
                f"Unknown search parameter '{name}'. Supported: "
                f"{', '.join(sorted(supported)) or 'none'}.",
                name,
            )
        if values:
            search.values[name] = values
    search.count = _count(query.get("_count"))
    search.cursor = query.get(CURSOR, "")
    if search.cursor and search.values:
        raise BadSearch(
            f"'{CURSOR}' carries its search: send a next link as it is, with only _count.",
            CURSOR,
        )
    return search


def _count(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_COUNT
    try:
        count = int(raw)
    except ValueError:
        raise BadSearch("'_count' must be a whole number from 1 to 500.", "_count") from None
    if count < 1:
        raise BadSearch("'_count' must be a whole number from 1 to 500.", "_count")
    return min(count, MAX_COUNT)


def parse_date(value: str, name: str = "date") -> DateBound:
    """`ge2026-01-01`, `le2026-01-31T12:00:00Z`, `2026-01-05` (the whole day)."""
    match = _DATE.match(value)
    if match is None:
        raise BadSearch(
            f"'{name}' must be a date like ge2026-01-01 or le2026-01-31T12:00:00Z.", name
        )
    prefix, day_text, time_text = match.group(1) or "eq", match.group(2), match.group(3)
    if prefix not in _SUPPORTED_PREFIXES:
        raise BadSearch(f"'{name}' supports the prefixes eq, gt, lt, ge and le.", name)
    if not _FIRST_YEAR <= int(day_text[:4]) <= _LAST_YEAR:
        raise BadSearch(
            f"'{name}' must be a date between the years {_FIRST_YEAR} and {_LAST_YEAR}.", name
        )
    try:
        if time_text:
            start = dt.datetime.fromisoformat(day_text + time_text.replace("Z", "+00:00"))
            if timezone.is_naive(start):
                raise BadSearch(f"'{name}' with a time needs a time zone (Z or +hh:mm).", name)
            end = start + dt.timedelta(microseconds=1)
        else:
            day = dt.date.fromisoformat(day_text)
            zone = timezone.get_current_timezone()
            start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    except (ValueError, OverflowError):
        raise BadSearch(f"'{name}' is not a real date or time.", name) from None
    return {
        "eq": DateBound(start, end),
        "ge": DateBound(start, None),
        "gt": DateBound(end, None),
        "le": DateBound(None, end),
        "lt": DateBound(None, start),
    }[prefix]


def is_resource_id(text: str) -> bool:
    """A FHIR id (letters, digits, '-' and '.', at most 64)."""
    return bool(_RESOURCE_ID.match(text))


def row_id(text: str) -> int:
    """The row id a resource id names, or 0 (no row) for anything else."""
    return int(text) if _ROW_ID.match(text) else 0


def parse_reference(value: str, resource_type: str, name: str) -> int:
    """`123` or `Patient/123` → 123."""
    text = value.removeprefix(f"{resource_type}/")
    if not _ROW_ID.match(text):
        raise BadSearch(f"'{name}' must be a {resource_type} id like {resource_type}/12.", name)
    return int(text)


def parse_token(value: str) -> tuple[str | None, str]:
    """`system|code` → (system, code); `code` → (None, code); `|code` → ("", code)."""
    if "|" in value:
        system, _, code = value.partition("|")
        return system, code
    return None, value


def date_filter(field_name: str, bounds: list[DateBound]) -> dict[str, Any]:
    """ORM filters for every bound of a date parameter (all must hold)."""
    filters: dict[str, Any] = {}
    for bound in bounds:
        if bound.lower is not None:
            key = f"{field_name}__gte"
            filters[key] = max(filters.get(key, bound.lower), bound.lower)
        if bound.upper is not None:
            key = f"{field_name}__lt"
            filters[key] = min(filters.get(key, bound.upper), bound.upper)
    return filters
