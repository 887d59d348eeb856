"""The base of the core's management commands that change data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clinic.context import command_context


class AuditedCommand(BaseCommand):
    """A command whose audit rows say which command wrote them (`command:<name>` as the
    row's path): the whole run, `handle()` included, happens inside its work context."""

    def execute(self, *args: Any, **options: Any) -> Any:
        name = type(self).__module__.rsplit(".", 1)[-1]
        with command_context(name):
            return super().execute(*args, **options)
