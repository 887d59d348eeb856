"""API clients: the client-credentials token endpoint, and reading with a bearer token."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.test import Client
from django.utils import timezone

from clinic.choices import AuditAction
from clinic.models import AuditEvent
from fhir.clients import limits
from fhir.clients.services import api_client_revoke
from fhir.models import AccessToken
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from tests.factories import AccessTokenFactory, ApiClientFactory, PatientFactory
from tests.factories.fhir import CLIENT_SECRET

TOKEN_URL = "/fhir/r4/auth/token"


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _token(api_client: Any, secret: str = CLIENT_SECRET, **form: str) -> Any:
    return Client().post(
        TOKEN_URL,
        {"grant_type": "client_credentials", **form},
        headers={"Authorization": _basic(api_client.client_id, secret)},
    )


def _read(path: str, token: str, **headers: str) -> Any:
    return Client().get(f"/fhir/r4/{path}", headers={"Authorization": f"Bearer {token}", **headers})


def _issued(api_client: Any, **form: str) -> str:
    response = _token(api_client, **form)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _diagnostics(response: Any) -> str:
    return OperationOutcome.model_validate_json(response.content).issue[0].diagnostics


def test_a_client_gets_a_bearer_token_with_its_scopes(db: None) -> None:
    api_client = ApiClientFactory(scopes="system/Patient.read system/Observation.read")

    response = _token(api_client)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "system/Patient.read system/Observation.read"
    stored = AccessToken.objects.get(client=api_client)
    assert stored.token_hash != body["access_token"]  # only its hash is kept


def test_the_secret_may_come_in_the_form_instead(db: None) -> None:
    api_client = ApiClientFactory()

    response = Client().post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": CLIENT_SECRET,
        },
    )

    assert response.status_code == 200


def test_a_wrong_secret_is_invalid_client_401_and_audited(db: None) -> None:
    api_client = ApiClientFactory()

    response = _token(api_client, secret="guess")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="fhir.token", object_id=api_client.client_id
    ).exists()
    assert not AccessToken.objects.exists()


def test_an_unknown_client_is_refused_like_a_wrong_secret(db: None) -> None:
    response = Client().post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        headers={"Authorization": _basic("nobody", "x")},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_repeated_failures_are_throttled(db: None) -> None:
    api_client = ApiClientFactory()
    for _ in range(limits.FAILED_ATTEMPTS_ALLOWED):
        assert _token(api_client, secret="guess").status_code == 401

    refused = _token(api_client)  # even the right secret, for a while

    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.json()["error_description"]


def test_nobody_can_lock_another_client_out_by_failing_on_purpose(db: None) -> None:
    """Failures count per client id and address: a flood of wrong ids from the clinic's
    own proxy address does not stop a real client from getting its token."""
    api_client = ApiClientFactory()
    for number in range(limits.FAILED_ATTEMPTS_ALLOWED * 2):
        wrong = Client().post(
            TOKEN_URL,
            {"grant_type": "client_credentials"},
            headers={"Authorization": _basic(f"made-up-{number}", "x")},
        )
        assert wrong.status_code == 401
    for _ in range(limits.FAILED_ATTEMPTS_ALLOWED - 1):
        assert _token(api_client, secret="guess").status_code == 401

    assert _token(api_client).status_code == 200


def test_another_grant_type_is_unsupported(db: None) -> None:
    response = _token(ApiClientFactory(), grant_type="password")

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_the_token_gets_the_scopes_asked_for_that_the_client_holds(db: None) -> None:
    api_client = ApiClientFactory(scopes="system/Patient.read system/Observation.read")

    asked = _token(api_client, scope="system/Observation.read system/Encounter.read")
    nothing_in_common = _token(api_client, scope="system/Encounter.read")
    malformed = _token(api_client, scope="system/Patient.write")

    assert asked.json()["scope"] == "system/Observation.read"
    assert nothing_in_common.status_code == 400
    assert nothing_in_common.json()["error"] == "invalid_scope"
    assert malformed.json()["error"] == "invalid_scope"
    assert "read-only" in malformed.json()["error_description"]


def test_a_revoked_or_expired_client_gets_no_token(db: None) -> None:
    revoked = ApiClientFactory(is_active=False, revoked_at=timezone.now())
    expired = ApiClientFactory(expires_at=timezone.now() - timezone.timedelta(days=1))

    assert _token(revoked).status_code == 401
    assert _token(expired).status_code == 401


def test_a_patient_only_client_reads_patients_but_gets_403_on_observations(
    personas, record
) -> None:
    token = _issued(ApiClientFactory(scopes="system/Patient.read"))

    patient = _read(f"Patient/{personas.patient_a.pk}", token)
    observations = _read(f"Observation?patient={personas.patient_a.pk}", token)
    everything = _read(f"Patient/{personas.patient_a.pk}/$everything", token)

    assert patient.status_code == 200
    assert observations.status_code == 403
    assert "Observation" in _diagnostics(observations)
    kinds = {
        e.resource.get_resource_type() for e in Bundle.model_validate_json(everything.content).entry
    }
    assert kinds == {"Patient"}


def test_a_client_whose_token_does_not_name_the_type_gets_403_even_asking_for_xml(
    personas, record
) -> None:
    api_client = ApiClientFactory(scopes="system/Patient.read")
    token = _issued(api_client)

    observations = _read(f"Observation?patient={personas.patient_a.pk}&_format=xml", token)
    patient = _read(f"Patient/{personas.patient_a.pk}?_format=xml", token)

    assert observations.status_code == 403
    assert "Observation" in _diagnostics(observations)
    assert patient.status_code == 406
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert denied.username == f"api-client:{api_client.name}"
    assert (denied.object_type, denied.object_id) == ("page", "fhir:Observation-search")


def test_a_patient_restricted_client_sees_only_that_patient(personas, record) -> None:
    token = _issued(ApiClientFactory(patient=personas.patient_a))

    other = _read(f"Patient/{personas.patient_b.pk}", token)
    search = _read("Patient", token)
    theirs = _read(f"Encounter/{record.session.pk}", token)

    assert other.status_code == 404
    ids = [entry.resource.id for entry in Bundle.model_validate_json(search.content).entry]
    assert ids == [str(personas.patient_a.pk)]
    assert theirs.status_code == 200


def test_a_location_restricted_client_sees_patients_booked_or_at_home_there(
    personas, record
) -> None:
    at_home = PatientFactory(home_location=record.location)
    token = _issued(ApiClientFactory(location=record.location))

    search = _read("Patient", token)

    ids = {entry.resource.id for entry in Bundle.model_validate_json(search.content).entry}
    assert ids == {str(personas.patient_a.pk), str(at_home.pk)}
    assert _read(f"Patient/{personas.patient_b.pk}", token).status_code == 404


def test_a_revoked_clients_token_is_401_invalid_token(personas) -> None:
    api_client = ApiClientFactory()
    token = _issued(api_client)

    api_client_revoke(client=api_client, actor=personas.admin)
    response = _read("Patient", token)

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert "revoked" in _diagnostics(response)


def test_an_expired_token_is_401(personas) -> None:
    AccessTokenFactory(raw="old-token", expires_at=timezone.now() - timezone.timedelta(seconds=1))

    response = _read("Patient", "old-token")

    assert response.status_code == 401
    assert "expired" in _diagnostics(response)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_an_unknown_token_is_401_even_with_a_staff_session(api, personas) -> None:
    staff = api(personas.nurse).client

    response = staff.get("/fhir/r4/Patient", headers={"Authorization": "Bearer made-up"})

    assert response.status_code == 401


def test_over_the_rate_limit_is_429_then_it_recovers(personas, monkeypatch) -> None:
    token = _issued(ApiClientFactory(rate_per_minute=2))
    moment = [1_000_000 * 60.0 + 10]
    monkeypatch.setattr(limits, "seconds", lambda: moment[0])

    answers = [_read("Practitioner", token).status_code for _ in range(3)]
    over = _read("Practitioner", token)
    moment[0] += 60
    recovered = _read("Practitioner", token)

    assert answers == [200, 200, 429]
    assert over["Retry-After"] == "50"
    assert "2 requests a minute" in _diagnostics(over)
    assert recovered.status_code == 200


def test_every_read_by_a_client_is_audited_under_its_name(personas, record) -> None:
    token = _issued(ApiClientFactory(name="State registry", scopes="system/Patient.read"))

    _read(f"Patient/{personas.patient_a.pk}", token)
    _read(f"Observation?patient={personas.patient_a.pk}", token)

    view = AuditEvent.objects.get(action=AuditAction.VIEW, object_type="fhir.Patient")
    assert view.username == "api-client:State registry"
    assert view.user is None
    assert view.patient_id == personas.patient_a.pk
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED).latest("id")
    assert denied.username == "api-client:State registry"


def test_a_bearer_request_never_touches_the_session(personas) -> None:
    token = _issued(ApiClientFactory())

    response = _read("Patient", token)

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_the_smart_configuration_names_the_token_endpoint(db: None) -> None:
    response = Client().get("/fhir/r4/.well-known/smart-configuration")

    body = json.loads(response.content)
    assert body["token_endpoint"] == "http://testserver/fhir/r4/auth/token"
    assert body["grant_types_supported"] == ["client_credentials"]
    assert body["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]


def test_the_capability_statement_points_to_the_token_endpoint(db: None) -> None:
    statement = Client().get("/fhir/r4/metadata").json()

    security = statement["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    uris = security["extension"][0]["extension"]
    assert uris == [{"url": "token", "valueUri": "http://testserver/fhir/r4/auth/token"}]


def test_a_clients_token_wins_over_a_staff_session_sent_along(api, personas, record) -> None:
    token = _issued(ApiClientFactory(scopes="system/Patient.read"))
    nurse = api(personas.nurse).client

    response = nurse.get(
        f"/fhir/r4/Observation?patient={personas.patient_a.pk}",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 403  # the nurse could; the client may not


def test_a_restricted_clients_search_keeps_its_query_budget(
    personas, record, django_assert_max_num_queries
) -> None:
    token = _issued(ApiClientFactory(location=record.location))
    with django_assert_max_num_queries(8):
        one = _read("Patient", token)
    PatientFactory.create_batch(30, home_location=record.location)
    # Three more whatever the number of patients: the rows of the patients the page
    # disclosed are written in one INSERT under one hold of the chain lock.
    with django_assert_max_num_queries(11):
        many = _read("Patient", token)

    assert len(Bundle.model_validate_json(one.content).entry) == 1
    assert len(Bundle.model_validate_json(many.content).entry) == 31
