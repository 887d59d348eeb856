"""A search's answer: a `searchset` Bundle with `self` and (when there is more) `next`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict

from fhir.params import CURSOR
from fhir.resources.R4B.bundle import Bundle
from fhir.selectors.paging import Page


def searchset(request: HttpRequest, page: Page) -> Bundle:
    base = request.build_absolute_uri(request.path)
    links = [{"relation": "self", "url": _url(base, request.GET, "")}]
    if page.next_after:
        links.append({"relation": "next", "url": _url(base, request.GET, page.next_after)})
    return Bundle(type="searchset", link=links, entry=_entries(request, page.resources))


def everything(request: HttpRequest, resources: list[Any]) -> Bundle:
    """The whole record of one patient in one Bundle (no paging)."""
    links = [{"relation": "self", "url": request.build_absolute_uri(request.path)}]
    return Bundle(
        type="searchset", total=len(resources), link=links, entry=_entries(request, resources)
    )


def _entries(request: HttpRequest, resources: list[Any]) -> list[dict[str, Any]]:
    root = request.build_absolute_uri("/fhir/r4/")
    return [
        {
            "fullUrl": f"{root}{resource.get_resource_type()}/{resource.id}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in resources
    ]


def _url(base: str, query: QueryDict, after: str) -> str:
    """The same search with the cursor set (next) or as asked (self)."""
    params = [(key, value) for key in query for value in query.getlist(key) if key != CURSOR]
    if after:
        params.append((CURSOR, after))
    elif query.get(CURSOR):
        params.append((CURSOR, query[CURSOR]))
    return f"{base}?{urlencode(params)}" if params else base
