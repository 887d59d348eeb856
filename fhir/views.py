"""The API's views: thin. Each resource type gets a read and a search view, made from its
registry entry and declared with its action (`fhir.access.api_permits`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse

from fhir import permissions
from fhir.access import api_permits, public_api
from fhir.bundle import everything, searchset
from fhir.capability import capability_statement
from fhir.cursor import open_cursor, page_links
from fhir.params import BadSearch, is_lenient, parse_search
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


def search_view(served: ServedResource, *, method: str = "GET") -> Callable[..., HttpResponse]:
    """`GET [type]?…`, or (method POST) `POST [type]/_search` with a form-encoded body:
    the same parameters and the same answer; a `_cursor` continues an earlier search."""

    @api_permits(served.action, resource=served.type, method=method)
    def search(request: HttpRequest) -> HttpResponse:
        lenient = is_lenient(request.headers.get("Prefer", ""))
        query = parse_search(_asked(request), served.parameter_names, lenient=lenient)
        key = ""
        if query.cursor:
            cursor = open_cursor(query.cursor, served.type, request.user)
            query.values, query.after, key = cursor.values, cursor.after, cursor.key
        page = served.search(request.user, query)
        base = request.build_absolute_uri(reverse(f"fhir:{served.type}-search"))
        links = page_links(base, served.type, query, page, request.user, key)
        return fhir_response(searchset(request, page, **links))

    verb = "search" if method == "GET" else "post_search"
    search.__name__ = search.__qualname__ = f"{served.type.lower()}_{verb}"
    return search


# FHIR's POST search is form-encoded; a browser form may also send multipart.
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _asked(request: HttpRequest) -> QueryDict:
    """The search's parameters: the query string, and a POST's form-encoded body."""
    if request.method != "POST":
        return request.GET
    sent = request.META.get("CONTENT_LENGTH") not in (None, "", "0")
    if sent and request.content_type not in _FORM_TYPES:
        raise BadSearch(
            "Send the search's parameters form-encoded "
            "(Content-Type: application/x-www-form-urlencoded)."
        )
    asked = request.GET.copy()
    for name in request.POST:
        if name == "csrfmiddlewaretoken":  # a session's form: checked by fhir.access
            continue
        asked.setlist(name, asked.getlist(name) + request.POST.getlist(name))
    return asked


@api_permits(permissions.READ_DEMOGRAPHICS, resource="Patient")
def patient_everything_view(request: HttpRequest, resource_id: str) -> HttpResponse:
    """`Patient/{id}/$everything`: what the reader may read about one patient."""
    parse_search(request.GET, frozenset(), lenient=is_lenient(request.headers.get("Prefer", "")))
    return fhir_response(everything(request, patient_everything(request.user, resource_id)))
