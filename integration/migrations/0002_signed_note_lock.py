"""On PostgreSQL the database refuses to change or delete a signed note."""

from __future__ import annotations

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION integration_note_signed() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        RAISE EXCEPTION 'note % is signed and locked (% refused)', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER integration_note_signed
    BEFORE UPDATE OR DELETE ON integration_integrationnote
    FOR EACH ROW EXECUTE FUNCTION integration_note_signed();

CREATE OR REPLACE FUNCTION integration_note_links_signed() RETURNS trigger AS $$
DECLARE
    target bigint;
BEGIN
    target := CASE WHEN TG_OP = 'DELETE' THEN OLD.integrationnote_id
                   ELSE NEW.integrationnote_id END;
    IF EXISTS (SELECT 1 FROM integration_integrationnote
               WHERE id = target AND status = 'signed') THEN
        RAISE EXCEPTION 'note % is signed and locked (% of a session link refused)',
            target, TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER integration_note_links_signed
    BEFORE INSERT OR UPDATE OR DELETE ON integration_integrationnote_sessions
    FOR EACH ROW EXECUTE FUNCTION integration_note_links_signed();
"""

DROP = """
DROP TRIGGER IF EXISTS integration_note_links_signed ON integration_integrationnote_sessions;
DROP FUNCTION IF EXISTS integration_note_links_signed();
DROP TRIGGER IF EXISTS integration_note_signed ON integration_integrationnote;
DROP FUNCTION IF EXISTS integration_note_signed();
"""


def create_trigger(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("integration", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
