"""A small SMS backend interface, chosen by the SMS_BACKEND setting.

The demo and tests use the file backend (one JSON line per message under SMS_FILE_PATH)
or the console backend; a provider backend implements the same `send` method.
"""

from __future__ import annotations

import json
import logging
import threading
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
    _lock = threading.Lock()

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": message.to, "body": message.body, "sent_at": timezone.now().isoformat()}
        )
        with self._lock, (self.path / "messages.jsonl").open("a", encoding="utf-8") as sink:
            sink.write(line + "\n")
        return f"file:{timezone.now().timestamp()}"


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(to: str, body: str) -> str:
    if len(body) > 640:
        raise SmsError("Message longer than 4 SMS segments.")
    return get_backend().send(SmsMessage(to=to, body=body))
