"""The domain's clock: the real time in production, another moment only inside
`clock.at(...)`, which the demo and tests use and a request can never set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from clinic import clock
from clinic.context import current
from clinic.middleware import RequestIdMiddleware

PAST = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)


def test_outside_clock_at_the_clock_is_the_real_time() -> None:
    before = timezone.now()
    now = clock.now()
    assert before <= now <= timezone.now()
    assert current().clock is None
    assert clock.localdate(dt.UTC) == timezone.now().astimezone(dt.UTC).date()


def test_inside_clock_at_the_domain_reads_that_moment_and_the_real_time_returns_after() -> None:
    with clock.at(PAST):
        assert clock.now() == PAST
        assert clock.localdate(dt.UTC) == dt.date(2026, 3, 2)
        later = PAST + dt.timedelta(hours=1)
        with clock.at(later):
            assert clock.now() == later
        assert clock.now() == PAST
    assert clock.now() > PAST
    assert current().clock is None


def test_the_clock_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="aware"), clock.at(dt.datetime(2026, 3, 2, 15, 30)):  # noqa: DTZ001
        pass


def _clock_seen_by_a_request(request) -> tuple[dt.datetime, dt.datetime | None]:
    seen: list[tuple[dt.datetime, dt.datetime | None]] = []

    def view(_request) -> HttpResponse:
        seen.append((clock.now(), current().clock))
        return HttpResponse("ok")

    RequestIdMiddleware(view)(request)
    return seen[0]


def test_a_request_cannot_set_the_clock() -> None:
    request = RequestFactory().get(
        "/",
        {"clock": PAST.isoformat(), "now": PAST.isoformat()},
        HTTP_X_CLOCK=PAST.isoformat(),
        HTTP_DATE="Mon, 02 Mar 2026 15:30:00 GMT",
    )
    request.COOKIES["clock"] = PAST.isoformat()
    before = timezone.now()
    now, frozen = _clock_seen_by_a_request(request)
    assert frozen is None
    assert before <= now <= timezone.now()


def test_a_request_reads_the_real_time_even_where_code_had_set_the_clock() -> None:
    # A request opens a fresh work context: a clock set around it does not reach it.
    with clock.at(PAST):
        now, frozen = _clock_seen_by_a_request(RequestFactory().get("/"))
    assert frozen is None
    assert now > PAST
