"""The API's views: thin. Each resource type gets a read and a search view, made from its
registry entry and declared with its action (`fhir.access.api_permits`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fhir import permissions
from fhir.access import api_permits, public_api
from fhir.bundle import everything, searchset
from fhir.capability import capability_statement
from fhir.params import is_lenient, parse_search
from fhir.registry import ServedResource
from fhir.responses import fhir_response
from fhir.selectors.everything import patient_everything


@public_api
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: no sign-in, no patient data."""
    return fhir_response(capability_statement(request.build_absolute_uri("/fhir/r4/")))


def read_view(served: ServedResource) -> Callable[..., HttpResponse]:
    @api_permits(served.action, resource=served.type)
    def read(request: HttpRequest, resource_id: str) -> HttpResponse:
        return fhir_response(served.read(request.user, resource_id))

    read.__name__ = read.__qualname__ = f"{served.type.lower()}_read"
    return read


def search_view(served: ServedResource) -> Callable[..., HttpResponse]:
    @api_permits(served.action, resource=served.type)
    def search(request: HttpRequest) -> HttpResponse:
        lenient = is_lenient(request.headers.get("Prefer", ""))
        query = parse_search(request.GET, served.parameter_names, lenient=lenient)
        page = served.search(request.user, query)
        return fhir_response(searchset(request, page))

    search.__name__ = search.__qualname__ = f"{served.type.lower()}_search"
    return search


@api_permits(permissions.READ_DEMOGRAPHICS, resource="Patient")
def patient_everything_view(request: HttpRequest, resource_id: str) -> HttpResponse:
    """`Patient/{id}/$everything`: what the reader may read about one patient."""
    parse_search(request.GET, frozenset(), lenient=is_lenient(request.headers.get("Prefer", "")))
    return fhir_response(everything(request, patient_everything(request.user, resource_id)))
