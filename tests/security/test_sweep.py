"""Security sweep over every page of the role matrix (security.md; issue "proof at
scale"): every persona × GET and POST, zero successes outside the matrix and no data of
the target in a refusal; CSRF enforced on every POST; the security headers and no-store on
every page a persona may open."""

from __future__ import annotations

import pytest
from django.test import Client

from clinic.choices import Role
from tests.clinic.test_access_matrix import (
    BULK_KICKOFFS,
    PUBLIC,
    ROLE_MATRIX,
    _url,
    headers_for,
    read_through,
)
from tests.conftest import sign_in
from tests.factories import StaffFactory

NAMES = sorted(ROLE_MATRIX)
# The controlled-substance manager's own pages: no persona of the matrix holds the role,
# so the header check signs in a manager (controlled-substances.md §2).
MANAGER_PAGES = {
    "controlled_counts",
    "controlled_receipt_new",
    "count_new",
    "count_result",
    "destruction_new",
}
# Pages that take no object and change nothing on POST (sign-in forms, public pages) are
# not part of the IDOR sweep.
PUBLIC_NAMES = sorted(name for name, allowed in ROLE_MATRIX.items() if allowed == PUBLIC)
PRIVATE_NAMES = [name for name in NAMES if name not in PUBLIC_NAMES]


@pytest.mark.parametrize("url_name", PRIVATE_NAMES)
def test_no_persona_outside_the_matrix_gets_anything_by_get_or_post(
    url_name, personas, client
) -> None:
    url = _url(url_name, personas)
    allowed = ROLE_MATRIX[url_name]
    target = personas.patient_a
    secrets = (target.legal_last_name, target.mrn)
    for persona, user in personas.everyone.items():
        if persona in allowed:
            continue
        client.logout()
        sign_in(client, user)
        for method in ("get", "post"):
            response = getattr(client, method)(
                url, {"note": "x", "reason": "x" * 30}, headers=headers_for(url_name)
            )
            refused = (403, 404) if method == "get" else (403, 404, 405)  # 405: wrong verb
            assert response.status_code in refused, (persona, method, url, response.status_code)
            body = response.content.decode()
            assert not any(secret in body for secret in secrets), (persona, method, url)


@pytest.mark.parametrize("url_name", PRIVATE_NAMES)
def test_every_post_without_a_csrf_token_is_refused(url_name, personas) -> None:
    url = _url(url_name, personas)
    # Any persona of the page (one nobody opens, such as someone else's set-up link: a nurse).
    persona = min(ROLE_MATRIX[url_name], default="nurse")
    user = personas.everyone[persona]
    client = sign_in(Client(enforce_csrf_checks=True), user)
    response = client.post(url, {"anything": "1"})
    # The FHIR API is read-only: a POST is a search at `[type]/_search` only, and a
    # session's POST there needs the CSRF token like any form (403); every other FHIR URL
    # answers one verb, so a POST is 405 there, with or without a token (and any URL the
    # API does not serve is 404).
    refused = 405 if url_name.startswith("fhir:") and "post-search" not in url_name else 403
    if url_name == "fhir:not-served":
        refused = 404  # nothing there, whatever the verb: nothing to ride
    assert response.status_code == refused, (persona, url, response.status_code)


@pytest.mark.parametrize("url_name", PRIVATE_NAMES)
def test_every_page_a_persona_opens_sends_the_security_headers(url_name, personas) -> None:
    url = _url(url_name, personas)
    # Any persona of the page (one nobody opens, such as someone else's set-up link: a nurse).
    persona = min(ROLE_MATRIX[url_name], default="nurse")
    user = personas.everyone[persona]
    if url_name in MANAGER_PAGES:
        persona, user = "manager", StaffFactory(roles=[Role.CONTROLLED_SUBSTANCE_MANAGER])
    client = sign_in(Client(), user)
    response = client.get(url, headers=headers_for(url_name))
    read_through(response)
    if response.status_code in (302, 405):
        return  # a redirect or a POST-only action has no page of its own
    expected = 200 if ROLE_MATRIX[url_name] or url_name in MANAGER_PAGES else 404
    if url_name in BULK_KICKOFFS:
        expected = 202  # an export's kick-off: accepted, to be polled
    assert response.status_code == expected, (persona, url, response.status_code)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
