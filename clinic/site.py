"""The deployment's public address (`SITE_URL`), for links and message identifiers."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_domain() -> str:
    """The host name of `SITE_URL` ("clinic.example.org"), for Message-IDs and calendar
    UIDs; "localhost" when it has none."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"
