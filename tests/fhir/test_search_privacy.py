"""No PHI in URLs (spec fhir.md §3): `POST [type]/_search`, opaque paging cursors, and
audit rows that record the path only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.test import Client
from gunicorn import glogging
from gunicorn.config import Config

from clinic.models import AuditEvent
from fhir import cursor
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from tests.conftest import sign_in
from tests.factories import AccessTokenFactory, ApiClientFactory, PatientFactory

SEARCH = "/fhir/r4/Patient/_search"


def _bundle(response) -> Bundle:
    assert response.status_code == 200, response.content
    return Bundle.model_validate_json(response.content)


def _ids(bundle: Bundle) -> list[str]:
    return [entry.resource.id for entry in bundle.entry or []]


def _link(bundle: Bundle, relation: str) -> str:
    return next((link.url for link in bundle.link if link.relation == relation), "")


def _outcome(response) -> OperationOutcome:
    return OperationOutcome.model_validate_json(response.content)


@pytest.fixture
def quills(personas):
    """Five patients named Wrenfield born on one day, in the therapist's caseload."""
    return PatientFactory.create_batch(
        5,
        therapist=personas.therapist,
        legal_last_name="Wrenfield",
        date_of_birth="1971-03-09",
    )


def test_a_posted_search_answers_as_the_same_search_by_get(api, personas, quills) -> None:
    client = api(personas.therapist).client
    query = {"name": "Wren", "birthdate": "1971-03-09"}

    by_get = _bundle(client.get("/fhir/r4/Patient", query))
    by_post = _bundle(client.post(SEARCH, query))

    assert _ids(by_post) == _ids(by_get) == [str(p.pk) for p in quills]
    unknown = client.post(SEARCH, {"favourite_colour": "blue"})
    assert unknown.status_code == 400
    assert _outcome(unknown).issue[0].expression == ["favourite_colour"]
    as_json = client.post(SEARCH, data='{"name": "Wren"}', content_type="application/json")
    assert as_json.status_code == 400
    assert "form-encoded" in _outcome(as_json).issue[0].diagnostics


def test_next_and_self_links_carry_no_search_value(api, personas, quills) -> None:
    client = api(personas.therapist).client
    mrn = quills[0].mrn

    first = _bundle(client.post(SEARCH, {"name": "Wren", "birthdate": "1971-03-09", "_count": 2}))
    single = _bundle(client.post(SEARCH, {"identifier": mrn}))

    for url in (_link(first, "next"), _link(first, "self"), _link(single, "self")):
        assert urlsplit(url).path == "/fhir/r4/Patient", url
        assert set(parse_qs(urlsplit(url).query)) == {"_cursor", "_count"}, url
        for secret in ("Wren", "1971", "03-09", mrn):
            assert secret not in url, (secret, url)
        # Not merely encoded: the signed token holds a key and an id, not the search.
        token = parse_qs(urlsplit(url).query)["_cursor"][0]
        assert "Wren" not in str(signing.loads(token, salt="fhir.search-cursor"))


def test_following_next_links_walks_the_search_once_while_rows_are_added(
    api, personas, quills
) -> None:
    client = api(personas.therapist).client
    PatientFactory(therapist=personas.therapist, legal_last_name="Other")

    first = _bundle(client.post(SEARCH, {"name": "Wren", "_count": 2}))
    arrived = PatientFactory(therapist=personas.therapist, legal_last_name="Wrenly")
    second = _bundle(client.get(_link(first, "next")))
    third = _bundle(client.get(_link(second, "next")))
    again = _bundle(client.get(_link(second, "self")))

    walked = _ids(first) + _ids(second) + _ids(third)
    assert walked == [str(p.pk) for p in quills] + [str(arrived.pk)]
    assert _link(third, "next") == ""
    assert _ids(again) == _ids(second)
    assert "_count=2" in _link(second, "next")


def test_an_altered_expired_or_borrowed_cursor_is_400(api, personas, quills, monkeypatch) -> None:
    client = api(personas.therapist).client
    following = _link(_bundle(client.post(SEARCH, {"name": "Wren", "_count": 2})), "next")
    token = parse_qs(urlsplit(following).query)["_cursor"][0]

    altered = client.get("/fhir/r4/Patient", {"_cursor": token[:-2] + "xx"})
    other_type = client.get("/fhir/r4/Encounter", {"_cursor": token})
    with_values = client.get("/fhir/r4/Patient", {"_cursor": token, "name": "Z"})
    psychiatrist = api(personas.psychiatrist).client.get(following)
    monkeypatch.setattr(cursor, "CURSOR_SECONDS", -1)
    expired = client.get(following)
    monkeypatch.undo()
    cache.clear()  # the search's stored parameters are gone (evicted, or a day later)
    forgotten = client.get(following)

    for response, words in (
        (altered, "altered"),
        (other_type, "another resource type"),
        (with_values, "carries its search"),
        (psychiatrist, "another reader"),
        (expired, "expired"),
        (forgotten, "expired"),
    ):
        assert response.status_code == 400, words
        issue = _outcome(response).issue[0]
        assert issue.expression == ["_cursor"]
        assert words in issue.diagnostics


def test_a_sessions_posted_search_needs_its_csrf_token(personas, quills) -> None:
    browser = sign_in(Client(enforce_csrf_checks=True), personas.therapist)

    refused = browser.post(SEARCH, {"name": "Wren"})
    token = "a" * 32  # the form's token, matching the cookie a page of the clinic set
    browser.cookies[settings.CSRF_COOKIE_NAME] = token
    allowed = browser.post(SEARCH, {"name": "Wren", "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert "CSRF" in _outcome(refused).issue[0].diagnostics
    assert len(_ids(_bundle(allowed))) == 5


def test_a_bearer_clients_posted_search_needs_no_csrf_token(personas, quills) -> None:
    AccessTokenFactory(raw="posting", client=ApiClientFactory())
    system = Client(enforce_csrf_checks=True)

    response = system.post(SEARCH, {"name": "Wren"}, headers={"Authorization": "Bearer posting"})

    assert len(_ids(_bundle(response))) == 5
    row = AuditEvent.objects.filter(action="view").latest("id")
    assert row.username.startswith("api-client:")


def test_audit_rows_keep_the_path_never_the_searched_values(api, personas, quills) -> None:
    client = api(personas.therapist).client
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    client.get("/fhir/r4/Patient", {"name": "Wren", "birthdate": "1971-03-09"})
    client.post(SEARCH, {"name": "Wren", "birthdate": "1971-03-09"})

    rows = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert {row.path for row in rows} == {"/fhir/r4/Patient", SEARCH}
    for row in rows:
        for text in (row.path, row.object_type, row.object_id, row.username):
            assert "Wren" not in text and "1971" not in text and "?" not in text, row


def test_the_access_log_records_the_path_never_the_query_or_referrer(db: None) -> None:
    """gunicorn's access log line, as the production entrypoint formats it."""
    text = (Path(__file__).resolve().parents[2] / "bin" / "docker-entrypoint").read_text()
    found = re.search(r"--access-logformat '([^']+)'", text)
    assert found, "the entrypoint must set the access log's format"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/fhir/r4/Patient?name=Wren&birthdate=1971-03-09",
        "PATH_INFO": "/fhir/r4/Patient",
        "QUERY_STRING": "name=Wren&birthdate=1971-03-09",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://clinic.example/patients/?q=Wren",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_USER_AGENT": "registry-sync/1.0",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    atoms = glogging.Logger(Config()).atoms(
        response, SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=40)
    )

    line = found.group(1) % atoms

    assert '"GET /fhir/r4/Patient HTTP/1.1" 200' in line
    assert "Wren" not in line and "1971" not in line


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"name": "M" * 100_000}, "'name' is too long: at most 512 characters."),
        ({f"p{n}": "x" for n in range(2_000)}, "The search's body is too large"),
        ({"name": "W" * 3_000_000}, "The search's body is too large"),
    ],
    ids=["long value", "too many fields", "over the size limit"],
)
def test_an_oversized_posted_search_is_a_400_outcome(personas, body, says) -> None:
    """A value the database should never see, or a body past Django's limits: a 400
    OperationOutcome saying why, not an error page."""
    AccessTokenFactory(raw="posting", client=ApiClientFactory())

    response = Client().post(SEARCH, body, headers={"Authorization": "Bearer posting"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/fhir+json")
    assert says in _outcome(response).issue[0].diagnostics
