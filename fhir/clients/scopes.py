"""SMART v1 system scopes (`system/Patient.read`, `system/*.read`): parsing, checking and
the intersection a token is granted. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SCOPE = re.compile(r"^system/(?P<type>\*|[A-Za-z]+)\.(?P<access>[A-Za-z*]+)$")
ALL = "*"


class ScopeError(ValueError):
    """A scope the API cannot grant; the message names it and says why."""


def parse_scopes(text: str, known_types: Iterable[str]) -> list[str]:
    """The scopes of `text` (space separated) in order, each checked: a known resource
    type (or `*`) and read access only. Refuses with the first scope at fault."""
    known = set(known_types)
    scopes: list[str] = []
    for scope in text.split():
        match = _SCOPE.match(scope)
        if match is None:
            raise ScopeError(
                f"“{scope}” is not a system scope: write it as system/<Resource>.read."
            )
        if match["access"] != "read":
            raise ScopeError(f"“{scope}”: the API is read-only, so only .read can be granted.")
        if match["type"] != ALL and match["type"] not in known:
            raise ScopeError(f"“{scope}”: the API serves no resource type {match['type']}.")
        if scope not in scopes:
            scopes.append(scope)
    if not scopes:
        raise ScopeError("Give at least one scope, e.g. system/Patient.read.")
    return scopes


def scope_types(scopes: Iterable[str]) -> frozenset[str]:
    """The resource types the scopes name (`*` for every type)."""
    return frozenset(scope.removeprefix("system/").removesuffix(".read") for scope in scopes)


def reads_type(scopes: Iterable[str], resource_type: str) -> bool:
    types = scope_types(scopes)
    return ALL in types or resource_type in types


def granted(allowed: list[str], requested: list[str] | None) -> list[str]:
    """What a token gets: the client's scopes, or those of them the request asks for
    (`system/*.read` asked by a client holding `system/Patient.read` gets that one; a
    client holding `system/*.read` gets exactly what it asks). Empty: nothing in common."""
    if requested is None:
        return list(allowed)
    if ALL in scope_types(allowed):
        return list(requested)
    return [scope for scope in allowed if reads_type(requested, _type_of(scope))]


def _type_of(scope: str) -> str:
    return scope.removeprefix("system/").removesuffix(".read")
