"""Factories of the FHIR API's rows: API clients (secret "client-secret"), tokens and bulk
exports with their files."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from clinic.choices import Role
from fhir.bulk.models import ExportFile, ExportJob, ExportLevel, ExportStatus
from fhir.models import AccessToken, ApiClient
from tests.factories.clinic import StaffFactory, staff

CLIENT_SECRET = "client-secret"


class ApiClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiClient

    name = factory.Sequence(lambda n: f"Registry {n}")
    client_id = factory.Sequence(lambda n: f"client-{n:04d}")
    secret_hash = factory.LazyFunction(lambda: make_password(CLIENT_SECRET))
    scopes = "system/*.read"
    created_by = staff(Role.ADMIN)


class AccessTokenFactory(factory.django.DjangoModelFactory):
    """A token whose plain value is `raw` (`token-<n>` unless given; not stored)."""

    class Meta:
        model = AccessToken
        exclude = ["raw"]

    client = factory.SubFactory(ApiClientFactory)
    raw = factory.Sequence(lambda n: f"token-{n}")
    token_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.raw.encode()).hexdigest())
    scopes = "system/*.read"
    issued_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(minutes=15))


class ExportJobFactory(factory.django.DjangoModelFactory):
    """A finished system-level bulk export of an API client, its files kept 24 hours.
    Trait `by_staff`: a staff member's export from the app (no client, no token scopes)."""

    class Meta:
        model = ExportJob

    class Params:
        by_staff = factory.Trait(client=None, user=factory.SubFactory(StaffFactory), scopes="")

    level = ExportLevel.SYSTEM
    client = factory.SubFactory(ApiClientFactory)
    scopes = "system/*.read"
    request_url = "http://testserver/fhir/r4/$export?_type=Patient"
    types = "Patient"
    status = ExportStatus.COMPLETED
    counts = factory.LazyFunction(lambda: {"Patient": 1})
    patient_count = 1
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5))
    finished_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=24))


class ExportFileFactory(factory.django.DjangoModelFactory):
    """One NDJSON part of an export: a single Patient line."""

    class Meta:
        model = ExportFile

    job = factory.SubFactory(ExportJobFactory)
    resource_type = "Patient"
    part = factory.Sequence(lambda n: n + 1)
    file = factory.django.FileField(
        filename="Patient-1.ndjson", data=b'{"resourceType": "Patient", "id": "1"}\n'
    )
    count = 1
