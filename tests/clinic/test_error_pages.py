"""The clinic's error pages render without the database: it may be what failed."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.middleware.csrf import _get_failure_view
from django.urls import get_resolver, reverse

from clinic.context import work_context


def _connection_lost(*args: object, **kwargs: object) -> None:
    raise OperationalError("server closed the connection unexpectedly")


def test_a_dropped_database_connection_gets_the_clinics_error_page(
    login, personas, monkeypatch
) -> None:
    client = login(personas.psychiatrist)  # her pages query the urgent-alert banner
    client.raise_request_exception = False
    with monkeypatch.context() as patch:
        patch.setattr(BaseDatabaseWrapper, "cursor", _connection_lost)
        response = client.get(reverse("home"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "<title>Something went wrong · Ketamine Clinic</title>" in body
    assert "The error was recorded. Please try again in a moment." in body
    assert "no-store" in response["Cache-Control"]


def _handlers() -> list[tuple[str, object, int, str]]:
    resolver = get_resolver()
    return [
        ("400", resolver.resolve_error_handler(400), 400, "could not be understood"),
        ("403", resolver.resolve_error_handler(403), 403, "You do not have access"),
        ("404", resolver.resolve_error_handler(404), 404, "Page not found"),
        ("500", resolver.resolve_error_handler(500), 500, "Something went wrong"),
        ("csrf", _get_failure_view(), 403, "This form has expired"),
    ]


@pytest.mark.parametrize("page", ["400", "403", "404", "500", "csrf"])
def test_every_error_page_renders_without_a_database_query(
    page, rf, personas, django_assert_num_queries
) -> None:
    _, handler, status, text = next(row for row in _handlers() if row[0] == page)
    request = rf.get("/patients/")
    request.user = personas.psychiatrist  # signed in: the shell would look up her banner
    # Its `denied` row is already written (test_clinical_facts_hidden).
    with work_context(source="web", refusal_audited=True), django_assert_num_queries(0):
        response = handler(request) if page == "500" else handler(request, Exception())
        if hasattr(response, "render"):
            response.render()
    assert response.status_code == status
    assert text in response.content.decode()
