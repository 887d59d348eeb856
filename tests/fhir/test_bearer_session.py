"""A bearer request is an API client's whatever else it carries: a session cookie sent
along is neither read nor kept alive (nor signed out) by it."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from clinic.middleware import SESSION_LAST_SEEN
from tests.conftest import sign_in
from tests.factories import AccessTokenFactory, ApiClientFactory

BEARER = {"Authorization": "Bearer with-a-cookie"}


@pytest.fixture
def browser(personas) -> Client:
    """The nurse's browser session, last seen `seen_ago` seconds ago (set by the test)."""
    AccessTokenFactory(raw="with-a-cookie", client=ApiClientFactory())
    return sign_in(Client(), personas.nurse)


def _seen(browser: Client, seconds_ago: float) -> float:
    session = browser.session
    session[SESSION_LAST_SEEN] = moment = time.time() - seconds_ago
    session.save()
    return moment


def _never_loaded(*args, **kwargs):
    raise AssertionError("a bearer request read the session")


def test_a_bearer_request_neither_reads_nor_extends_the_session(browser, monkeypatch) -> None:
    seen = _seen(browser, 120)  # well past the 30 s the middleware waits before a write
    monkeypatch.setattr(SessionStore, "load", _never_loaded)

    response = browser.get("/fhir/r4/Patient", headers=BEARER)

    monkeypatch.undo()
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert browser.session[SESSION_LAST_SEEN] == seen


def test_an_idle_session_stays_idle_through_api_calls(browser, settings) -> None:
    _seen(browser, settings.CLINIC_IDLE_TIMEOUT_STAFF.total_seconds() + 60)

    api_call = browser.get("/fhir/r4/Patient", headers=BEARER)
    page = browser.get("/patients/")

    assert api_call.status_code == 200  # the client's token, not the idle session
    assert page.status_code == 302
    assert "signed_out=idle" in page["Location"]


def test_a_bearer_header_on_a_page_is_not_a_signed_in_request(browser) -> None:
    _seen(browser, 0)

    page = browser.get("/patients/", headers=BEARER)

    assert page.status_code == 302
    assert "/login/" in page["Location"] and "signed_out" not in page["Location"]
    assert browser.get("/patients/").status_code == 200  # the session itself is untouched
