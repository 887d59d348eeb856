"""Answers in FHIR's own shape: a resource as `application/fhir+json`, and every refusal
or error as an `OperationOutcome` with the HTTP status that says what went wrong."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from fhir.resource import Resource, resource, to_json

FHIR_JSON = "application/fhir+json"

# HTTP status → (issue code, severity) of the OperationOutcome that explains it.
_ISSUES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    410: "deleted",
    429: "throttled",
}


def fhir_response(found: Resource, *, status: int = 200) -> HttpResponse:
    """A resource (or a Bundle) as FHIR JSON."""
    return HttpResponse(to_json(found), content_type=FHIR_JSON, status=status)


def outcome(
    status: int, message: str, *, expression: str = "", challenge: str = ""
) -> HttpResponse:
    """One error issue in an OperationOutcome, answered with `status`."""
    issue: dict[str, Any] = {
        "severity": "error",
        "code": _ISSUES.get(status, "processing"),
        "diagnostics": message,
    }
    if expression:
        issue["expression"] = [expression]
    response = fhir_response(resource("OperationOutcome", issue=[issue]), status=status)
    if status == 401:
        # An API client gets a bearer token (fhir.clients); staff sign in to the clinic.
        response["WWW-Authenticate"] = challenge or 'Bearer realm="fhir"'
    return response
