"""The kick-off request's parameters (Bulk Data IG v2 §Kick-off), checked before any
work: refused in words, with the status the IG gives (400 a bad request: `ExportRefused`;
403 a type the reader may not read: `PermissionDenied`), answered as OperationOutcomes
by the API's decorator (`fhir.access.api_signed_in`), the 403 with its `denied` row."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from clinic.policy import may
from fhir.clients.principal import may_read
from fhir.params import BadSearch, is_lenient
from fhir.registry import RESOURCES
from fhir.selectors.export import PATIENT_TYPES, STREAMS

OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
PARAMETERS = frozenset({"_outputFormat", "_type", "_since"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$")


class ExportRefused(BadSearch):
    """A kick-off's parameters refused (400, like a bad search): the message, the
    parameter at fault."""


@dataclass(frozen=True)
class Kickoff:
    types: list[str]
    since: dt.datetime | None


def readable_types(reader: Any, level: str) -> list[str]:
    """The types this reader may export, in the registry's order."""
    allowed = PATIENT_TYPES if level == "patient" else frozenset(STREAMS)
    return [
        served.type
        for served in RESOURCES
        if served.type in allowed and may(reader, served.action) and may_read(reader, served.type)
    ]


def parse_kickoff(request: HttpRequest, level: str) -> Kickoff:
    # Who may comes first: a reader refused learns nothing about the parameters.
    readable = readable_types(request.user, level)
    if not readable:
        raise PermissionDenied("You may not read any resource type this export holds.")
    prefer = request.headers.get("Prefer", "")
    if "respond-async" not in {part.strip().lower() for part in re.split(r"[,;]", prefer)}:
        raise ExportRefused("A bulk export is asynchronous: send Prefer: respond-async.")
    _check_names(request, lenient=is_lenient(prefer))
    output_format = request.GET.get("_outputFormat", "")
    if output_format and output_format not in OUTPUT_FORMATS:
        raise ExportRefused(
            "'_outputFormat' must be application/fhir+ndjson (or application/ndjson, ndjson).",
            "_outputFormat",
        )
    return Kickoff(_types(request, level, readable), _since(request.GET.get("_since", "")))


def _check_names(request: HttpRequest, *, lenient: bool) -> None:
    for name in request.GET:
        values = request.GET.getlist(name)
        if _CONTROL.search(name) or any(_CONTROL.search(value) for value in values):
            raise ExportRefused("A parameter holds a control character; send plain text.")
        if name not in PARAMETERS and not lenient:
            raise ExportRefused(
                f"Unsupported export parameter '{name}'. Supported: "
                f"{', '.join(sorted(PARAMETERS))}.",
                name,
            )


def _types(request: HttpRequest, level: str, readable: list[str]) -> list[str]:
    asked = [
        part.strip()
        for value in request.GET.getlist("_type")
        for part in value.split(",")
        if part.strip()
    ]
    if not asked:
        return readable
    allowed = PATIENT_TYPES if level == "patient" else frozenset(STREAMS)
    for resource_type in asked:
        if resource_type not in allowed:
            where = "a patient-level export" if level == "patient" else "this server's export"
            raise ExportRefused(f"'_type': {resource_type[:64]} is not part of {where}.", "_type")
        if resource_type not in readable:
            raise PermissionDenied(f"'_type': you may not read {resource_type} resources.")
    return [resource_type for resource_type in readable if resource_type in asked]


def _since(value: str) -> dt.datetime | None:
    if not value:
        return None
    if not _INSTANT.match(value):
        raise ExportRefused(
            "'_since' must be an instant like 2026-01-31T12:00:00Z (with a time zone).", "_since"
        )
    try:
        since = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ExportRefused("'_since' is not a real date and time.", "_since") from None
    return since
