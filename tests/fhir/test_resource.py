"""How a resource is made and written (fhir.resource): plain JSON, absent values dropped,
and — in every test run — parsed by fhir.resources' R4B model and compared with what the
library would write, so a mapper's mistake fails the test that made the resource."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fhir.resource import InvalidResource, resource, to_json

HEART_RATE = {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}


def _observation(**changes: object) -> dict[str, object]:
    elements: dict[str, object] = {
        "id": "vs-1-hr",
        "status": "final",
        "code": HEART_RATE,
        "subject": {"reference": "Patient/1"},
        "effectiveDateTime": "2026-11-30T10:15:00Z",
        "valueQuantity": {"value": 72, "unit": "beats/minute"},
    }
    elements.update(changes)
    return elements


def test_resource_type_comes_first_and_absent_values_are_dropped_at_every_depth() -> None:
    made = resource(
        "Patient",
        id="7",
        active=False,
        name=[{"family": "Rivera", "given": ["Ana", None, ""], "prefix": []}],
        telecom=[],
        address=[{"line": [], "city": ""}],
        birthDate=None,
    )
    assert made == {
        "resourceType": "Patient",
        "id": "7",
        "active": False,
        "name": [{"family": "Rivera", "given": ["Ana"]}],
    }
    assert to_json(made).startswith(b'{"resourceType":"Patient","id":"7"')


def test_an_element_the_model_refuses_fails_where_the_resource_is_made() -> None:
    with pytest.raises(InvalidResource, match="Observation/vs-1-hr"):
        resource("Observation", **_observation(code=None))  # required, 1..1
    with pytest.raises(InvalidResource):
        resource("Observation", **_observation(valueQuantity={"value": "seventy"}))
    with pytest.raises(InvalidResource):
        resource("Observation", **_observation(flavour="mint"))


def test_writing_what_the_library_would_not_write_fails() -> None:
    """The library writes UTC as Z: a mapper writing +00:00 by hand is caught."""
    with pytest.raises(InvalidResource, match="the library writes effectiveDateTime differently"):
        resource("Observation", **_observation(effectiveDateTime="2026-11-30T10:15:00+00:00"))


def test_an_error_names_the_element_never_its_value() -> None:
    """An InvalidResource may reach a log: it says where, not what a patient's record holds."""
    with pytest.raises(InvalidResource) as refused:
        resource("Patient", id="7", name=[{"family": "Quillfeather", "given": "Ana"}])
    assert "name.0.given" in str(refused.value)
    assert "Quillfeather" not in str(refused.value) and "Ana" not in str(refused.value)


def test_nan_and_infinity_are_refused_not_written() -> None:
    for value in (Decimal("NaN"), Decimal("Infinity"), float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"not FHIR decimals|not JSON compliant"):
            to_json({"value": value})


def test_a_stored_decimal_keeps_its_precision_in_a_resource() -> None:
    """A weight stored as 72.0 kg is written 72.0, as the library writes it, not 72."""
    made = resource(
        "Observation", **_observation(valueQuantity={"value": Decimal("72.0"), "unit": "kg"})
    )
    assert b'"value":72.0,' in to_json(made)


def test_nothing_is_parsed_when_checking_is_off(settings: object) -> None:
    """Production writes what the mappers made (checked by the tests, not per request)."""
    settings.FHIR_CHECK_RESOURCES = False
    assert resource("Observation", **_observation(flavour="mint"))["flavour"] == "mint"


def test_json_numbers_times_and_text() -> None:
    utc = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
    chicago = utc.astimezone(ZoneInfo("America/Chicago"))
    written = to_json(
        {
            "kg": Decimal("72.50"),
            "stored": Decimal("72.0"),
            "mg": Decimal("70"),
            "rate": Decimal("0.467"),
            "utc": utc,
            "local": chicago,
            "day": dt.date(2026, 12, 1),
            "name": "Zoë",
        }
    )
    assert json.loads(written) == {
        "kg": 72.5,
        "stored": 72.0,
        "mg": 70,
        "rate": 0.467,
        "utc": "2026-11-30T15:00:00Z",
        "local": "2026-11-30T09:00:00-06:00",
        "day": "2026-12-01",
        "name": "Zoë",
    }
    assert b'"mg":70,' in written and b'"stored":72.0,' in written
    assert "Zoë".encode() in written
    assert json.loads(to_json({"a": [1]}, indent=2)) == {"a": [1]}


def test_control_characters_are_dropped_and_markup_is_written_escaped() -> None:
    """FHIR strings hold no control characters but tab, CR and LF; text that looks like
    markup is escaped so a consumer pasting the JSON into a page is not tricked."""
    made = resource(
        "Patient",
        id="7",
        name=[{"family": "O'Neil\x07\x1b", "given": ["Ana\tMaria"], "text": "</script>&\u2028"}],
        address=[{"line": ["1 Main St\r\nFlat 2"]}],
    )
    written = to_json(made)

    assert made["name"][0]["family"] == "O'Neil"
    assert made["name"][0]["given"] == ["Ana\tMaria"]
    assert made["address"][0]["line"] == ["1 Main St\r\nFlat 2"]
    assert b"</script>" not in written and b"&" not in written and "\u2028".encode() not in written
    assert b"\\u003c/script\\u003e\\u0026\\u2028" in written
    assert json.loads(written)["name"][0]["text"] == "</script>&\u2028"
    assert json.loads(to_json(made, indent=2)) == json.loads(written)
