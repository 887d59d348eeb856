"""Bearer tokens on the FHIR endpoints (RFC 6750): who the client is, its rate limit.

A request with `Authorization: Bearer …` is an API client's whatever else it carries:
the client (`ClientPrincipal`) replaces `request.user`, so a session cookie sent along is
never used, and CSRF does not apply (the API views are exempt; a token is not sent by a
browser on its own). Refusals are OperationOutcomes: 401 with
`WWW-Authenticate: Bearer error="invalid_token"` for a token that is unknown, expired or
revoked, 429 with `Retry-After` over the client's requests per minute."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from fhir.clients import limits
from fhir.clients.services import InvalidToken, token_principal
from fhir.responses import outcome

_INVALID = 'Bearer realm="fhir", error="invalid_token", error_description="{}"'


def bearer_token(request: HttpRequest) -> str | None:
    """The token of an `Authorization: Bearer` header (None: no bearer header)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def bearer_sign_in(request: HttpRequest) -> HttpResponse | None:
    """Put the token's client in `request.user`; a refusal to answer instead, or None."""
    raw = bearer_token(request)
    if raw is None:
        return None
    try:
        principal = token_principal(raw)
    except InvalidToken as refused:
        return outcome(401, str(refused), challenge=_INVALID.format(refused))
    request.user = principal  # type: ignore[assignment]
    wait = limits.over_rate(principal.client.pk, principal.client.rate_per_minute)
    if wait:
        response = outcome(
            429,
            f"Over {principal.client.rate_per_minute} requests a minute: "
            f"try again in {wait} seconds.",
        )
        response["Retry-After"] = str(wait)
        return response
    return None
