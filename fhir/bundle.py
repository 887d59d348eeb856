"""A search's answer: a `searchset` Bundle with `self` and (when there is more) `next`."""

from __future__ import annotations

from django.http import HttpRequest

from fhir.resource import Resource, resource
from fhir.selectors.paging import Page


def searchset(request: HttpRequest, page: Page, *, self_url: str, next_url: str = "") -> Resource:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return resource("Bundle", type="searchset", link=links, entry=_entries(request, page.resources))


def everything(request: HttpRequest, resources: list[Resource]) -> Resource:
    """The whole record of one patient in one Bundle (no paging)."""
    links = [{"relation": "self", "url": request.build_absolute_uri(request.path)}]
    return resource(
        "Bundle",
        type="searchset",
        total=len(resources),
        link=links,
        entry=_entries(request, resources),
    )


def _entries(request: HttpRequest, resources: list[Resource]) -> list[Resource]:
    root = request.build_absolute_uri("/fhir/r4/")
    return [
        {
            "fullUrl": f"{root}{found['resourceType']}/{found['id']}",
            "resource": found,
            "search": {"mode": "match"},
        }
        for found in resources
    ]
