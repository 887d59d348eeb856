"""`POST auth/token` (OAuth 2.0 client credentials, RFC 6749 §4.4) and the SMART
configuration that points clients to it. Both carry no patient data."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from clinic.access import AccessRule
from clinic.audit import audit_record
from clinic.choices import AuditAction
from fhir.clients import limits
from fhir.clients.services import TokenRefused, client_authenticate, token_issue

GRANT_TYPES = ["client_credentials"]
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _error(refused: TokenRefused) -> HttpResponse:
    response = JsonResponse(
        {"error": refused.error, "error_description": refused.description},
        status=refused.status,
    )
    if refused.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="fhir"'
    return _no_store(response)


def _credentials(request: HttpRequest) -> tuple[str, str]:
    """client_secret_basic (RFC 6749 §2.3.1: form-encoded id and secret) or _post."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            client_id, _, secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise TokenRefused("invalid_client", "Malformed Basic credentials.", 401) from None
        return unquote_plus(client_id), unquote_plus(secret)
    client_id = request.POST.get("client_id", "")
    secret = request.POST.get("client_secret", "")
    if not client_id or not secret:
        raise TokenRefused("invalid_client", "Send the client id and secret.", 401)
    return client_id, secret


def _issue(request: HttpRequest) -> dict[str, Any]:
    if request.POST.get("grant_type") != "client_credentials":
        raise TokenRefused(
            "unsupported_grant_type", "Only grant_type=client_credentials is supported.", 400
        )
    client_id, secret = _credentials(request)
    # Failures are counted per client id *and* address: one client guessing from one place
    # is slowed, but nobody can lock out another client (or, behind the clinic's proxy,
    # every client) by failing on purpose. Secrets are 256 random bits: the count is a
    # brake on noise, not what keeps them safe.
    who = f"{client_id[:64]}@{request.META.get('REMOTE_ADDR', '')}"
    if limits.token_blocked(who):
        audit_record(action=AuditAction.DENIED, object_type="fhir.token", object_id=client_id[:64])
        raise TokenRefused("invalid_client", "Too many failed attempts: wait 15 minutes.", 429)
    try:
        client = client_authenticate(client_id, secret)
    except TokenRefused:
        limits.token_failed(who)
        audit_record(action=AuditAction.DENIED, object_type="fhir.token", object_id=client_id[:64])
        raise
    issued = token_issue(client=client, requested_scope=request.POST.get("scope"))
    return {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }


@csrf_exempt  # a client authenticates with its own credentials, never a cookie
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint: JSON answers and errors as RFC 6749 §5 says."""
    if request.method != "POST":
        response = JsonResponse({"error": "invalid_request", "error_description": "Use POST."})
        response.status_code = 405
        response["Allow"] = "POST"
        return response
    try:
        return _no_store(JsonResponse(_issue(request)))
    except TokenRefused as refused:
        return _error(refused)


token.access_rule = AccessRule(public=True)  # type: ignore[attr-defined]


@csrf_exempt
def smart_configuration(request: HttpRequest) -> HttpResponse:
    """`.well-known/smart-configuration`: where and how to get a token."""
    body = {
        "token_endpoint": request.build_absolute_uri(reverse("fhir:token")),
        "grant_types_supported": GRANT_TYPES,
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "scopes_supported": ["system/*.read"],
        "capabilities": ["client-confidential-symmetric"],
    }
    return HttpResponse(json.dumps(body), content_type="application/json")


smart_configuration.access_rule = AccessRule(public=True)  # type: ignore[attr-defined]
