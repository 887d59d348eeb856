"""Factories of the FHIR API's rows: API clients (secret "client-secret") and tokens."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from clinic.choices import Role
from fhir.models import AccessToken, ApiClient
from tests.factories.clinic import staff

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
