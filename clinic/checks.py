"""System checks for deployment defaults (run by every `manage.py` command)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


@register(Tags.security)
def plain_http_on_a_public_host(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production answering a real host name without HTTPS sends passwords, session
    cookies and patient data in clear text (and without HSTS or Secure cookies)."""
    if settings.DEBUG or settings.HTTPS:
        return []
    public_hosts = [host for host in settings.ALLOWED_HOSTS if host.lower() not in LOCAL_HOSTS]
    if not public_hosts:
        return []
    return [
        Warning(
            "HTTPS is off while ALLOWED_HOSTS names "
            + ", ".join(public_hosts)
            + ": sign-in, session cookies and patient data would travel unencrypted.",
            hint="Put a TLS-terminating proxy in front and set HTTPS=true.",
            id="clinic.W001",
        )
    ]
