"""One round trip for the audit chain's head on PostgreSQL: take the chain lock, then
read the last row's hash. A VOLATILE PL/pgSQL function takes a fresh snapshot for each
statement, so the read sees every row committed before the lock was granted."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION clinic_audit_chain_head(lock_key bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT row_hash INTO head FROM clinic_auditevent ORDER BY id DESC LIMIT 1;
    RETURN head;
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS clinic_audit_chain_head(bigint);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0004_documents")]

    operations = [migrations.RunPython(create, drop)]
