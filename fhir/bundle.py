"""A search's answer: a `searchset` Bundle with `self` and (when there is more) `next`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fhir.resources.R4B.bundle import Bundle
from fhir.selectors.paging import Page


def searchset(request: HttpRequest, page: Page, *, self_url: str, next_url: str = "") -> Bundle:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
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
