"""The demo's email outbox: one `.eml` file per message, named by its Message-ID and
written atomically, so a message handed over twice (a retried send) is kept once."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class OutboxEmailBackend(BaseEmailBackend):
    def __init__(self, *args: object, file_path: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.path = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            raw = message.message()
            message_id = raw["Message-ID"] or uuid.uuid4().hex
            name = re.sub(r"[^A-Za-z0-9._-]", "_", message_id.strip("<>"))
            temporary = self.path / f".{name}.{uuid.uuid4().hex}.tmp"
            temporary.write_bytes(raw.as_bytes(linesep="\n"))
            os.replace(temporary, self.path / f"{name}.eml")
            # Every hand-over is logged, so a repeated one (a retried or redelivered send)
            # is visible even though the outbox keeps a single copy.
            with (self.path / "handovers.log").open("a", encoding="utf-8") as log:
                log.write(f"{name}\n")
        return len(email_messages)
