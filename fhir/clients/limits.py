"""Counting in the shared cache (Redis when `REDIS_URL` is set), so every web process
sees the same counts: each client's requests per minute, and failed token requests."""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW_SECONDS = 60
FAILED_ATTEMPTS_ALLOWED = 10
FAILED_WINDOW_SECONDS = 15 * 60


def seconds() -> float:
    """The real time (a test moves it with monkeypatch; the domain clock is not for this)."""
    return time.time()


def over_rate(client_pk: int, per_minute: int) -> int:
    """Count one request of the client in this minute; seconds to wait if over its limit
    (0: go ahead)."""
    now = seconds()
    window = int(now // WINDOW_SECONDS)
    key = f"fhir-rate:{client_pk}:{window}"
    cache.add(key, 0, WINDOW_SECONDS * 2)
    count = cache.incr(key)
    if count <= per_minute:
        return 0
    return max(1, int((window + 1) * WINDOW_SECONDS - now))


def _failed_key(who: str) -> str:
    return f"fhir-token-failed:{who}"


def token_blocked(who: str) -> bool:
    """Whether too many token requests failed lately for this client id or address."""
    return (cache.get(_failed_key(who)) or 0) >= FAILED_ATTEMPTS_ALLOWED


def token_failed(who: str) -> None:
    key = _failed_key(who)
    cache.add(key, 0, FAILED_WINDOW_SECONDS)
    cache.incr(key)
