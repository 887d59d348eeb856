"""A small SMS backend interface, chosen by the SMS_BACKEND setting.

The demo and tests use the file backend (one JSON file per message under SMS_FILE_PATH)
or the console backend; a provider backend implements the same `send` method.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164, e.g. +16175550134
    body: str
    key: str = ""  # idempotency key: the same key is delivered once


class SmsError(Exception):
    """Sending failed; the message says why (shown to staff, no personal data)."""


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> str:
        """Send one message; return the provider's message id. Raise SmsError on failure."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> str:
        logger.info("SMS to %s: %s", message.to, message.body)
        return "console"


class FileSmsBackend(BaseSmsBackend):
    """One JSON file per message, named by its idempotency key and written atomically,
    so a message handed over twice is kept once (the demo's SMS outbox)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        key = message.key or uuid.uuid4().hex
        body = json.dumps(
            {"to": message.to, "body": message.body, "key": key,
             "sent_at": timezone.now().isoformat()}
        )  # fmt: skip
        final = self.path / f"{key}.json"
        temporary = self.path / f".{key}.{uuid.uuid4().hex}.tmp"
        temporary.write_text(body + "\n", encoding="utf-8")
        os.replace(temporary, final)
        with (self.path / "handovers.log").open("a", encoding="utf-8") as log:
            log.write(f"{key}\n")
        return f"file:{key}"


class HttpSmsBackend(BaseSmsBackend):
    """A provider's REST API (Twilio-style form POST with basic auth), configured by
    SMS_HTTP_URL, SMS_HTTP_ACCOUNT, SMS_HTTP_TOKEN and SMS_FROM. The idempotency key goes
    in the `Idempotency-Key` header so the provider drops a repeated hand-over."""

    def __init__(self) -> None:
        self.url = settings.SMS_HTTP_URL
        self.account = settings.SMS_HTTP_ACCOUNT
        self.token = settings.SMS_HTTP_TOKEN
        self.sender = settings.SMS_FROM
        if not (self.url and self.account and self.token and self.sender):
            raise SmsError("The SMS provider is not configured.")

    def send(self, message: SmsMessage) -> str:
        data = urllib.parse.urlencode(
            {"To": message.to, "From": self.sender, "Body": message.body}
        ).encode()
        request = urllib.request.Request(self.url, data=data, method="POST")  # noqa: S310 -- configured https URL
        credentials = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        request.add_header("Authorization", f"Basic {credentials}")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        if message.key:
            request.add_header("Idempotency-Key", message.key)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise SmsError(f"The SMS provider refused the message (HTTP {error.code}).") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(
                f"The SMS provider could not be reached ({error.__class__.__name__})."
            ) from None
        return str(payload.get("sid") or payload.get("id") or "")


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(to: str, body: str, *, idempotency_key: str = "") -> str:
    if len(body) > 640:
        raise SmsError("Message longer than 4 SMS segments.")
    return get_backend().send(SmsMessage(to=to, body=body, key=idempotency_key))
