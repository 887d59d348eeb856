"""Searches page by keyset: stable while rows are added, and a page costs the same
number of queries at 1 row and at 50. The `next` link is an opaque cursor
(tests/fhir/test_search_privacy.py checks what it does not carry)."""

from __future__ import annotations

import pytest

from fhir.resources.R4B.bundle import Bundle
from tests.factories import PatientFactory
from tests.fhir.conftest import more_readings


def _page(response) -> tuple[list[str], str]:
    assert response.status_code == 200, response.content
    bundle = Bundle.model_validate_json(response.content)
    ids = [entry.resource.id for entry in bundle.entry or []]
    following = [link.url for link in bundle.link if link.relation == "next"]
    return ids, following[0] if following else ""


def test_count_defaults_to_50_and_is_capped_at_500(api, personas) -> None:
    PatientFactory.create_batch(55, therapist=personas.therapist)
    client = api(personas.therapist)

    first, following = _page(client.get("Patient"))
    capped, _ = _page(client.get("Patient?_count=100000"))

    assert len(first) == 50
    assert following
    assert len(capped) == 56


def test_paging_is_stable_while_rows_are_added(api, personas) -> None:
    patients = PatientFactory.create_batch(5, therapist=personas.therapist)
    client = api(personas.therapist)

    first, following = _page(client.get("Patient?_count=3"))
    arrived = PatientFactory(therapist=personas.therapist)  # between the two pages
    second, last = _page(client.get(following))
    third, _ = _page(client.get(last))

    expected = [str(pk) for pk in sorted([personas.patient_a.pk, *[p.pk for p in patients]])]
    assert first == expected[:3]
    assert second == expected[3:6]
    assert third == [str(arrived.pk)]
    # The link continues the search by an opaque cursor, never an id or a value in clear.
    assert "_count=3" in following and "_cursor=" in following
    assert "_after" not in following and str(expected[2]) not in following.split("_cursor=")[0]


def test_observation_pages_walk_every_value_once(api, personas, record) -> None:
    more_readings(record.session, personas.nurse, 3)
    client = api(personas.nurse)
    everything, _ = _page(client.get("Observation?_count=500"))

    walked: list[str] = []
    url = "Observation?_count=4"
    while url:
        ids, url = _page(client.get(url))
        walked += ids

    assert walked == everything
    assert len(walked) == 4 * 5 + 2  # four readings, the dose's weight, the PHQ-9
    assert everything[-2:] == [f"wt-{record.dose.pk}", f"sv-{record.measure.pk}"]


@pytest.mark.parametrize(
    "path", ["Observation", "Encounter", "MedicationAdministration", "Patient"]
)
def test_a_search_page_costs_the_same_queries_at_1_and_50_rows(
    api, personas, record, page_queries, path
) -> None:
    client = api(personas.therapist)
    client.get(path)  # the first request of a client loads its session and roles
    # Two patients on the first page already: a page disclosing several patients writes
    # their rows in one INSERT, the same for 2 as for 50.
    PatientFactory(therapist=personas.therapist)

    with page_queries() as few:
        assert client.get(path).status_code == 200
    more_readings(record.session, personas.nurse, 50)
    PatientFactory.create_batch(50, therapist=personas.therapist)
    with page_queries() as many:
        assert client.get(path).status_code == 200

    # A full page of vital signs may even skip the survey query.
    assert len(many) <= len(few) <= 15


def test_following_a_cursor_costs_the_queries_of_the_first_page(
    api, personas, page_queries
) -> None:
    PatientFactory.create_batch(6, therapist=personas.therapist)
    client = api(personas.therapist)
    client.get("Patient")  # the first request of a client loads its session and roles

    with page_queries() as first:
        ids, following = _page(client.get("Patient?_count=2&birthdate=ge1900-01-01"))
    with page_queries() as second:
        more, _ = _page(client.get(following))

    assert len(ids) == len(more) == 2 and not set(ids) & set(more)
    assert len(second) <= len(first)
