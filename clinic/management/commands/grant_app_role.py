"""Give the app its own PostgreSQL role that does not own the tables.

Run as the owner role (the one that runs migrations), after `migrate`. The app role named
by APP_DATABASE_URL gets only SELECT, INSERT, UPDATE and DELETE on the tables and USAGE on
the sequences, now and (default privileges) for tables later migrations create. Without
ownership it cannot TRUNCATE, ALTER or DROP a table, so it cannot empty the audit trail,
whose trigger already refuses UPDATE and DELETE.
"""

from __future__ import annotations

import os
from typing import Any

import environ
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction


class Command(BaseCommand):
    help = (
        "Create or update the app's database role (from APP_DATABASE_URL) with row "
        "privileges only; run as the owner after migrate."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The app role is for PostgreSQL deployments.")
        app_url = os.environ.get("APP_DATABASE_URL", "")
        if not app_url:
            raise CommandError("Set APP_DATABASE_URL to the URL the app connects with.")
        app = environ.Env.db_url_config(app_url)
        role, password = app["USER"], app.get("PASSWORD") or ""
        if not role:
            raise CommandError("APP_DATABASE_URL names no user.")
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
            if role == owner:
                raise CommandError(
                    f"The app role {role!r} is the owner running this command; "
                    "give the app a role of its own."
                )
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            # The password is sent as a literal (utility statements take no parameters).
            credentials = connection.ops.compose_sql("PASSWORD %s", [password]) if password else ""
            cursor.execute(
                f"{verb} ROLE {quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                f"NOBYPASSRLS {credentials}"
            )
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                "WHERE r.rolname = %s AND c.relnamespace = 'public'::regnamespace",
                [role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"The app role {role!r} owns tables; reassign them to {owner!r} first "
                    f"(REASSIGN OWNED BY {role} TO {owner})."
                )
            for statement in _grants(quote(role), quote(database)):
                cursor.execute(statement)
        self.stdout.write(
            self.style.SUCCESS(f"Role {role} may read and write rows; {owner} owns the tables.")
        )


def _grants(role: str, database: str) -> list[str]:
    rows = "SELECT, INSERT, UPDATE, DELETE"
    return [
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE CREATE ON SCHEMA public FROM {role}, PUBLIC",
        # Start from nothing so a role that once held more (TRUNCATE, REFERENCES,
        # TRIGGER) keeps only row access.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"GRANT {rows} ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # Tables and sequences that later migrations create (as this same owner).
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {rows} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {role}",
    ]
