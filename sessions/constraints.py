"""An exclusion constraint that exists on PostgreSQL only.

The embedded demo runs on SQLite, which has no exclusion constraints; there the booking
service checks overlaps inside its write transaction instead (SQLite serialises writers).
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.constraints import ExclusionConstraint


class PostgresExclusionConstraint(ExclusionConstraint):
    def constraint_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model: Any, instance: Any, exclude: Any = None, using: Any = None) -> None:
        from django.db import connections

        if connections[using or "default"].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)
