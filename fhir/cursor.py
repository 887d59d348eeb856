"""Opaque paging cursors: a `next` link never carries what was searched.

A search's parameters may be a name, a birth date or a record number; URLs end up in
proxy logs, browser histories and referrers. So the `next` (and `self`) link of a search
carries only `_cursor=<token>&_count=<n>`:

- the parameters stay on the server, in the shared cache (Redis in production, as for the
  rate limits), under a random key, for `CURSOR_SECONDS`;
- the token is signed (`django.core.signing`, its own salt) and holds that key, the
  resource type, the keyset position (the last id of the page before: an id, never a
  name) and who may use it (the staff login or the API client). It expires with the
  cached parameters.

A token that was altered, has expired, belongs to another reader or another resource
type is refused with a 400 OperationOutcome; paging again starts from the search.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.core.cache import cache

from fhir.params import CURSOR, BadSearch, Search
from fhir.selectors.paging import Page

CURSOR_SECONDS = 60 * 60
_SALT = "fhir.search-cursor"
_EXPIRED = f"'{CURSOR}' has expired or is not one of this server's next links: search again."


@dataclass(frozen=True)
class Cursor:
    """A search continued: its stored parameters and where the page starts."""

    key: str
    values: dict[str, list[str]]
    after: str


def reader_key(user: Any) -> str:
    """Who may use a cursor: the API client, or the staff (or patient) login."""
    client = getattr(user, "client", None)
    if client is not None:
        return f"client:{client.pk}"
    return f"user:{user.pk}"


def _cache_key(key: str) -> str:
    return f"fhir:cursor:{key}"


def _issue(resource_type: str, key: str, after: str, user: Any) -> str:
    payload = {"k": key, "t": resource_type, "a": after, "r": reader_key(user)}
    return signing.dumps(payload, salt=_SALT, compress=True)


def page_links(
    base: str, resource_type: str, search: Search, page: Page, user: Any, key: str = ""
) -> dict[str, str]:
    """The `self` and `next` links of a page: the search's base URL with `_count` and, when
    there is a search or a position to carry, a cursor (its parameters kept on the server
    under `key`, a new one for a new search)."""
    count = f"_count={search.count}"
    links = {"self_url": f"{base}?{count}"}
    if not (search.values or search.after or page.next_after):
        return links
    key = key or secrets.token_urlsafe(18)
    cache.set(_cache_key(key), search.values, CURSOR_SECONDS)
    if search.values or search.after:
        token = _issue(resource_type, key, search.after, user)
        links["self_url"] = f"{base}?{urlencode({CURSOR: token})}&{count}"
    if page.next_after:
        token = _issue(resource_type, key, page.next_after, user)
        links["next_url"] = f"{base}?{urlencode({CURSOR: token})}&{count}"
    return links


def open_cursor(token: str, resource_type: str, user: Any) -> Cursor:
    """The search a token continues, or BadSearch (altered, expired, another reader's)."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=CURSOR_SECONDS)
    except signing.SignatureExpired:
        raise BadSearch(_EXPIRED, CURSOR) from None
    except signing.BadSignature:
        raise BadSearch(
            f"'{CURSOR}' was altered or is not one of this server's next links.", CURSOR
        ) from None
    if not isinstance(payload, dict) or payload.get("t") != resource_type:
        raise BadSearch(f"'{CURSOR}' belongs to a search of another resource type.", CURSOR)
    if payload.get("r") != reader_key(user):
        raise BadSearch(f"'{CURSOR}' belongs to another reader's search.", CURSOR)
    values = cache.get(_cache_key(str(payload.get("k"))))
    if values is None:
        raise BadSearch(_EXPIRED, CURSOR)
    return Cursor(str(payload["k"]), values, str(payload.get("a") or ""))
