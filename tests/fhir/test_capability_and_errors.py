"""The CapabilityStatement, and every refusal answered as an OperationOutcome."""

from __future__ import annotations

from clinic.models import AuditEvent
from fhir.registry import RESOURCES
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome


def _outcome(response) -> OperationOutcome:
    assert response["Content-Type"] == "application/fhir+json"
    return OperationOutcome.model_validate_json(response.content)


def test_metadata_needs_no_sign_in_and_lists_exactly_the_served_resources(api) -> None:
    response = api(None).get("metadata")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    statement = CapabilityStatement.model_validate_json(response.content)
    assert statement.fhirVersion == "4.0.1"
    listed = {entry.type: entry for entry in statement.rest[0].resource}
    assert set(listed) == {served.type for served in RESOURCES}
    observation = {param.name for param in listed["Observation"].searchParam}
    assert observation == {"patient", "category", "code", "date"}
    assert {i.code for i in listed["Patient"].interaction} == {"read", "search-type"}


def test_a_resource_the_server_does_not_serve_is_not_found(api, personas) -> None:
    response = api(personas.psychiatrist).get("Immunization")

    assert response.status_code == 404
    assert "GET metadata lists" in _outcome(response).issue[0].diagnostics


def test_any_other_url_under_the_base_is_a_404_operation_outcome(api, personas) -> None:
    """A FHIR client reads why, whatever it sent, signed in or not; never the HTML page."""
    for client, path in (
        (api(personas.psychiatrist), f"Patient/{personas.patient_a.pk}%2F.."),
        (api(personas.psychiatrist), "Patient/1/_history/2"),
        (api(None), "Observation/vs-1-bp/extra"),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert _outcome(response).issue[0].code == "not-found"
    posted = api(None).client.post("/fhir/r4/Immunization/_search", {"patient": "1"})
    assert posted.status_code == 404
    assert _outcome(posted).issue[0].code == "not-found"
    assert not AuditEvent.objects.filter(action="view").exists()


def test_a_format_other_than_json_is_406(api, personas) -> None:
    client = api(personas.psychiatrist)

    for asked in ("xml", "application/fhir+xml", "text/turtle"):
        response = client.get(f"Patient?_format={asked}")
        assert response.status_code == 406, asked
        assert "FHIR JSON only" in _outcome(response).issue[0].diagnostics
    assert api(None).get("metadata?_format=xml").status_code == 406
    for asked in ("json", "application/fhir%2Bjson", "application/json"):
        assert client.get(f"Patient?_format={asked}").status_code == 200, asked
    assert api(None).get("metadata?_format=json").status_code == 200


def test_a_reader_who_may_not_is_refused_and_audited_whatever_format_they_ask(
    api, personas, record
) -> None:
    """The permission is decided before the format: XML does not turn a refusal into a
    406 without its `denied` row."""
    path = f"Observation?patient={personas.patient_a.pk}&_format=xml"

    not_signed_in = api(None).get(path)
    refused = api(personas.coordinator).get(path)

    assert not_signed_in.status_code == 401
    assert _outcome(not_signed_in).issue[0].code == "login"
    assert refused.status_code == 403
    assert _outcome(refused).issue[0].code == "forbidden"
    denied = AuditEvent.objects.filter(user=personas.coordinator, action="denied")
    assert [(row.object_type, row.object_id) for row in denied] == [
        ("page", "fhir:Observation-search")
    ]


def test_a_reader_who_may_asking_for_xml_gets_406_and_no_denied_row(api, personas, record) -> None:
    response = api(personas.psychiatrist).get(
        f"Observation?patient={personas.patient_a.pk}&_format=xml"
    )

    assert response.status_code == 406
    assert "FHIR JSON only" in _outcome(response).issue[0].diagnostics
    assert not AuditEvent.objects.filter(action__in=("denied", "view")).exists()


def test_not_signed_in_is_401_with_an_operation_outcome(api, personas) -> None:
    response = api(None).get(f"Patient/{personas.patient_a.pk}")

    assert response.status_code == 401
    assert _outcome(response).issue[0].code == "login"
    assert "Quillfeather" not in response.content.decode()


def test_a_role_that_may_not_read_clinical_resources_gets_403(api, personas, record) -> None:
    response = api(personas.coordinator).get(f"Observation?patient={personas.patient_a.pk}")

    assert response.status_code == 403
    assert _outcome(response).issue[0].code == "forbidden"
    assert AuditEvent.objects.filter(user=personas.coordinator, action="denied").exists()


def test_a_patient_off_the_caseload_is_404_and_one_denied_row(api, personas) -> None:
    response = api(personas.other_therapist).get(f"Patient/{personas.patient_a.pk}")

    assert response.status_code == 404
    assert _outcome(response).issue[0].code == "not-found"
    denied = AuditEvent.objects.filter(user=personas.other_therapist, action="denied")
    assert [(row.patient_id, row.object_type) for row in denied] == [
        (personas.patient_a.pk, "fhir.Patient")
    ]


def test_an_unknown_search_parameter_is_refused_with_400(api, personas) -> None:
    response = api(personas.nurse).get("Patient?favourite_colour=blue")

    assert response.status_code == 400
    issue = _outcome(response).issue[0]
    assert issue.code == "invalid"
    assert "favourite_colour" in issue.diagnostics
    assert issue.expression == ["favourite_colour"]


def test_lenient_handling_ignores_an_unknown_parameter(api, personas) -> None:
    response = api(personas.nurse).get(
        "Patient?favourite_colour=blue&name=Quill", Prefer="return=minimal, handling=lenient"
    )

    assert response.status_code == 200
    assert "Quillfeather" in response.content.decode()


def test_malformed_values_are_400_naming_the_parameter(api, personas) -> None:
    client = api(personas.nurse)
    for query, parameter in (
        ("Patient?birthdate=yesterday", "birthdate"),
        ("Patient?birthdate=ge2026-02-30", "birthdate"),
        ("Patient?birthdate=sa2020-01-01", "birthdate"),
        ("Patient?_count=lots", "_count"),
        ("Patient?_count=0", "_count"),
        ("Patient?_cursor=not-a-cursor", "_cursor"),
        ("Patient?_after=12", "_after"),  # the old plain-id cursor is no parameter
        ("Observation?patient=Alice", "patient"),
        ("Observation?date=ge2026-01-01T10:00:00", "date"),
        ("Observation?_cursor=42", "_cursor"),
    ):
        response = client.get(query)
        assert response.status_code == 400, query
        assert _outcome(response).issue[0].expression == [parameter], query


def test_an_id_that_is_no_resource_is_404_not_500(api, personas) -> None:
    client = api(personas.psychiatrist)
    for path in (
        "Patient/abc",
        "Patient/99999999999999999999999",
        "Patient/%C2%B2",
        "Observation/vs-1-xyz",
        "Observation/vs-99999999999999999999999-hr",
        "Observation/zz",
        "Encounter/-1",
        "MedicationAdministration/99999999999999999999999",
    ):
        assert client.get(path).status_code == 404, path
    too_big = client.get("Observation?patient=99999999999999999999999")
    assert too_big.status_code == 400


def test_dates_at_the_edges_of_the_calendar_are_400_not_500(api, personas) -> None:
    client = api(personas.psychiatrist)
    for query, parameter in (
        ("Observation?date=ge9999-12-31", "date"),
        ("Encounter?date=gt9999-12-31", "date"),
        ("Appointment?date=le9999-12-31T23:59:59.999999Z", "date"),
        ("Patient?birthdate=9999-12-31", "birthdate"),
        ("Patient?birthdate=ge0001-01-01T00:00:00%2B14:00", "birthdate"),
        ("Observation?date=ge0001-01-01T00:00:00%2B14:00", "date"),
        ("Encounter?date=lt0001-01-01T00:00:00%2B01:00", "date"),
    ):
        response = client.get(query)
        assert response.status_code == 400, query
        assert _outcome(response).issue[0].expression == [parameter], query
    assert client.get("Patient?birthdate=ge1900-01-01").status_code == 200


def test_control_characters_are_refused_before_the_database(api, personas) -> None:
    """A NUL byte cannot even be sent to PostgreSQL: a value or an id holding one is
    answered 400 / 404 in words, and no audit row carries it."""
    client = api(personas.psychiatrist)
    for query in ("Patient?name=%00", "Patient?identifier=a%00b", "Location?name=%1b"):
        response = client.get(query)
        assert response.status_code == 400, query
        assert "control character" in _outcome(response).issue[0].diagnostics
    coordinator = api(personas.coordinator)  # who may not read Observations
    before = AuditEvent.objects.count()
    assert client.get("Patient/%00").status_code == 404
    assert client.get("Patient/1%0a2/$everything").status_code == 404
    # Refused to the role: still no `denied` row (it would keep the path).
    assert coordinator.get("Observation/%00").status_code == 404
    assert AuditEvent.objects.count() == before


def test_the_api_is_read_only(api, personas) -> None:
    """A POST is a search at `[type]/_search` only; everything else answers one verb."""
    client = api(personas.nurse).client

    for path in (
        "/fhir/r4/Patient",
        f"/fhir/r4/Patient/{personas.patient_a.pk}",
        "/fhir/r4/metadata",
    ):
        response = client.post(path, data="{}", content_type="application/fhir+json")
        assert response.status_code == 405, path
        assert _outcome(response).issue[0].code == "not-supported"
        assert response["Allow"] == "GET"
    for method in ("put", "delete", "patch"):
        response = getattr(client, method)(f"/fhir/r4/Patient/{personas.patient_a.pk}")
        assert response.status_code == 405, method
    searched = client.get("/fhir/r4/Patient/_search")
    assert searched.status_code == 405
    assert searched["Allow"] == "POST"
