"""Registering, revoking and re-keying API clients, issuing and checking their tokens.

The plain secret exists only in the value `api_client_register` / `api_client_new_secret`
return (shown to the admin once); a token only in the answer of `token_issue`. Neither is
logged or stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from clinic import permissions as clinic_permissions
from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.models import Location, Patient, User
from clinic.policy import require
from fhir.clients.principal import ClientPrincipal
from fhir.clients.scopes import ScopeError, granted, parse_scopes
from fhir.models import AccessToken, ApiClient

TOKEN_LIFETIME = dt.timedelta(minutes=15)
# A well-formed hash to check against when the client id is unknown, so an unknown id
# and a wrong secret take the same time to refuse.
_DUMMY_HASH = make_password("not-a-client-secret")


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


class TokenRefused(Exception):
    """An RFC 6749 error: `error` code, a description, the HTTP status."""

    def __init__(self, error: str, description: str, status: int) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class InvalidToken(Exception):
    """A bearer token that is unknown, expired, or revoked (the message says which)."""


def known_types() -> list[str]:
    from fhir.registry import RESOURCES

    return [served.type for served in RESOURCES]


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_client_register(
    *,
    actor: User,
    name: str,
    scopes: str,
    notes: bool = False,
    patient: Patient | None = None,
    location: Location | None = None,
    rate_per_minute: int = 120,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiClient, str]:
    """Register a client; returns it and its secret (to show once, never again)."""
    require(actor, clinic_permissions.ADMINISTER, message="Only the admin registers API clients.")
    checked = " ".join(parse_scopes(scopes, known_types()))
    secret = _new_secret()
    with transaction.atomic():
        client = ApiClient.objects.create(
            name=name,
            client_id=secrets.token_hex(16),
            secret_hash=make_password(secret),
            scopes=checked,
            notes=notes,
            patient=patient,
            location=location,
            rate_per_minute=rate_per_minute,
            expires_at=expires_at,
            created_by=actor,
        )
        audit_record(action=AuditAction.CREATE, user=actor, obj=client)
    return client, secret


def _revoke_tokens(client: ApiClient, when: dt.datetime) -> None:
    AccessToken.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=when)


def api_client_revoke(*, client: ApiClient, actor: User) -> ApiClient:
    """Switch a client off for good: it gets no new token and its tokens stop working."""
    require(actor, clinic_permissions.ADMINISTER, message="Only the admin revokes API clients.")
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is None:
            client.is_active, client.revoked_at = False, timezone.now()
            client.save(update_fields=["is_active", "revoked_at"])
            _revoke_tokens(client, client.revoked_at)
            audit_record(action=AuditAction.UPDATE, user=actor, obj=client)
    return client


def api_client_new_secret(*, client: ApiClient, actor: User) -> str:
    """Give a client a new secret (the old one and its tokens stop working at once)."""
    require(actor, clinic_permissions.ADMINISTER, message="Only the admin changes secrets.")
    if client.revoked_at is not None:
        raise ScopeError(f"{client.name} is revoked: register a new client instead.")
    secret = _new_secret()
    with transaction.atomic():
        client.secret_hash = make_password(secret)
        client.save(update_fields=["secret_hash"])
        _revoke_tokens(client, timezone.now())
        audit_record(action=AuditAction.UPDATE, user=actor, obj=client)
    return secret


def _usable(client: ApiClient | None, now: dt.datetime) -> bool:
    return (
        client is not None
        and client.is_active
        and client.revoked_at is None
        and (client.expires_at is None or client.expires_at > now)
    )


def client_authenticate(client_id: str, secret: str) -> ApiClient:
    """The client whose id and secret these are, usable now; else `invalid_client`."""
    client = ApiClient.objects.filter(client_id=client_id).first()
    matches = check_password(secret, client.secret_hash if client else _DUMMY_HASH)
    if not matches or not _usable(client, timezone.now()):
        raise TokenRefused("invalid_client", "Client authentication failed.", 401)
    return client


def token_issue(*, client: ApiClient, requested_scope: str | None) -> IssuedToken:
    """A bearer token for `client`, granted its scopes ∩ those requested."""
    allowed = client.scopes.split()
    requested = None
    if requested_scope is not None and requested_scope.strip():
        try:
            requested = parse_scopes(requested_scope, known_types())
        except ScopeError as refused:
            raise TokenRefused("invalid_scope", str(refused), 400) from None
    scopes = granted(allowed, requested)
    if not scopes:
        raise TokenRefused("invalid_scope", "None of the scopes asked for is granted.", 400)
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        AccessToken.objects.create(
            client=client,
            token_hash=_token_hash(raw),
            scopes=" ".join(scopes),
            issued_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
        audit_record(
            action=AuditAction.LOGIN,
            user=ClientPrincipal(client, scopes),  # type: ignore[arg-type]
            object_type="fhir.token",
            object_id=client.client_id,
        )
    return IssuedToken(raw, int(TOKEN_LIFETIME.total_seconds()), " ".join(scopes))


def token_principal(raw: str) -> ClientPrincipal:
    """The client acting through this bearer token, or InvalidToken."""
    token = AccessToken.objects.filter(token_hash=_token_hash(raw)).select_related("client").first()
    now = timezone.now()
    if token is None:
        raise InvalidToken("The access token is not known.")
    if token.revoked_at is not None or not _usable(token.client, now):
        raise InvalidToken("The access token has been revoked (or its client has expired).")
    if token.expires_at <= now:
        raise InvalidToken("The access token has expired.")
    # A client's scopes narrowed since the token was issued narrow it at once.
    return ClientPrincipal(token.client, granted(token.client.scopes.split(), token.scopes.split()))
