"""Append-only records: written once, never updated or deleted (refused here and, on
PostgreSQL, by a trigger declared on each concrete model); a mistake is corrected by a
new record naming the one it corrects."""

from __future__ import annotations

import pgtrigger
from django.db import models

APPEND_ONLY = "Controlled-substance records are append-only: record a correcting entry."


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise PermissionError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)


class AppendOnly(models.Model):
    """A record written once: no update, no delete (model layer; the trigger on
    PostgreSQL is declared on each concrete model)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)


def append_only_triggers(name: str) -> list[pgtrigger.Trigger]:
    return [
        pgtrigger.Protect(name=f"{name}_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
    ]
