"""The admin registers API clients: the secret is shown once, scopes are checked, a client
is revoked or re-keyed, and no other role reaches these pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from clinic.choices import AuditAction
from clinic.models import AuditEvent
from fhir.models import ApiClient
from tests.conftest import sign_in
from tests.factories import AccessTokenFactory, ApiClientFactory

ADD = "admin:fhir_apiclient_add"
LIST = "admin:fhir_apiclient_changelist"


def _form(**changes: str) -> dict[str, str]:
    return {
        "name": "State PDMP",
        "scopes": "system/Patient.read system/Observation.read",
        "patient_mrn": "",
        "location": "",
        "rate_per_minute": "120",
        "expires_at_0": "",
        "expires_at_1": "",
        **changes,
    }


def _secret_on(page: Any) -> str:
    found = re.search(r'id="client-secret"[^>]*value="([^"]+)"', page.content.decode())
    assert found, page.content.decode()
    return found.group(1)


@pytest.fixture
def admin_client(client, personas):
    return sign_in(client, personas.admin)


def test_registering_a_client_shows_its_secret_once_and_stores_only_a_hash(
    admin_client,
) -> None:
    created = admin_client.post(reverse(ADD), _form())

    assert created.status_code == 200
    assert "it will not be shown again" in created.content.decode()
    secret = _secret_on(created)
    stored = ApiClient.objects.get(name="State PDMP")
    assert stored.secret_hash != secret and secret not in stored.secret_hash
    assert check_password(secret, stored.secret_hash)
    assert stored.scopes == "system/Patient.read system/Observation.read"
    assert not stored.notes  # therapy notes stay off unless ticked
    change_page = admin_client.get(reverse("admin:fhir_apiclient_change", args=[stored.pk]))
    assert secret not in change_page.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="fhir.apiclient", object_id=str(stored.pk)
    ).exists()


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        ("system/Banana.read", "serves no resource type Banana"),
        ("system/Patient.write", "only .read can be granted"),
        ("patient/Patient.read", "is not a system scope"),
    ],
)
def test_a_bad_scope_is_refused_next_to_the_field_keeping_what_was_typed(
    admin_client, scopes, message
) -> None:
    response = admin_client.post(reverse(ADD), _form(scopes=scopes))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors["scopes"][0]
    assert f'value="{scopes}"' in response.content.decode() or scopes in response.content.decode()
    assert not ApiClient.objects.exists()


def test_an_unknown_record_number_is_refused(admin_client) -> None:
    response = admin_client.post(reverse(ADD), _form(patient_mrn="NOPE-1"))

    assert (
        "No patient has the record number"
        in response.context["adminform"].form.errors["patient_mrn"][0]
    )


def test_a_client_can_be_restricted_to_one_patient_by_record_number(admin_client, personas) -> None:
    admin_client.post(reverse(ADD), _form(patient_mrn=personas.patient_a.mrn))

    assert ApiClient.objects.get(name="State PDMP").patient == personas.patient_a


def test_revoking_a_client_stops_its_tokens(admin_client) -> None:
    token = AccessTokenFactory()

    admin_client.post(reverse(LIST), {"action": "revoke", "_selected_action": [token.client.pk]})

    token.refresh_from_db()
    token.client.refresh_from_db()
    assert token.client.revoked_at is not None and not token.client.is_active
    assert token.revoked_at is not None


def test_a_new_secret_is_shown_once_and_the_old_one_stops_working(admin_client) -> None:
    api_client = ApiClientFactory()
    old_hash = api_client.secret_hash

    page = admin_client.post(
        reverse(LIST), {"action": "new_secret", "_selected_action": [api_client.pk]}
    )

    api_client.refresh_from_db()
    assert api_client.secret_hash != old_hash
    assert check_password(_secret_on(page), api_client.secret_hash)


@pytest.mark.parametrize("persona", ["coordinator", "nurse", "psychiatrist", "therapist"])
def test_no_other_role_reaches_the_api_client_pages(client, personas, persona) -> None:
    api_client = ApiClientFactory()
    sign_in(client, getattr(personas, persona))

    for url in (
        reverse(LIST),
        reverse(ADD),
        reverse("admin:fhir_apiclient_change", args=[api_client.pk]),
    ):
        assert client.get(url).status_code == 403, url
    refused = client.post(reverse(ADD), _form())
    assert refused.status_code == 403
    assert not ApiClient.objects.filter(name="State PDMP").exists()
