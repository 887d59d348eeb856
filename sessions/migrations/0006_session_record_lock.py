"""On PostgreSQL the database itself keeps a co-signed session record unchanged.

A session row whose `cosigned_at` is set refuses UPDATE and DELETE; the parts of the
record (check-in, vitals, alerts, gate overrides, dose, devices, pauses, adverse events)
refuse INSERT, UPDATE and DELETE once their session is co-signed. Addenda and the REMS
submission are separate tables and stay writable.
"""

from __future__ import annotations

from django.db import migrations

PARTS = [
    "checkinentry",
    "vitalreading",
    "vitalalert",
    "gateoverride",
    "doserecord",
    "devicedose",
    "infusionpause",
    "adverseevent",
]

CREATE = """
CREATE OR REPLACE FUNCTION treatment_session_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.cosigned_at IS NOT NULL THEN
        RAISE EXCEPTION 'session record % is signed and locked (% refused)', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER treatment_session_locked
    BEFORE UPDATE OR DELETE ON treatment_sessions_treatmentsession
    FOR EACH ROW EXECUTE FUNCTION treatment_session_locked();

CREATE OR REPLACE FUNCTION treatment_session_part_locked() RETURNS trigger AS $$
DECLARE
    target integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        target := OLD.session_id;
    ELSE
        target := NEW.session_id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM treatment_sessions_treatmentsession
        WHERE id = target AND cosigned_at IS NOT NULL
    ) OR (TG_OP = 'UPDATE' AND EXISTS (
        SELECT 1 FROM treatment_sessions_treatmentsession
        WHERE id = OLD.session_id AND cosigned_at IS NOT NULL
    )) THEN
        RAISE EXCEPTION 'session record % is signed and locked (% on % refused)',
            target, TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
""" + "".join(  # noqa: S608 -- fixed table names from PARTS, no input
    f"""
CREATE TRIGGER {part}_locked
    BEFORE INSERT OR UPDATE OR DELETE ON treatment_sessions_{part}
    FOR EACH ROW EXECUTE FUNCTION treatment_session_part_locked();
"""
    for part in PARTS
)

DROP = (
    "".join(
        f"DROP TRIGGER IF EXISTS {part}_locked ON treatment_sessions_{part};\n" for part in PARTS
    )
    + """
DROP TRIGGER IF EXISTS treatment_session_locked ON treatment_sessions_treatmentsession;
DROP FUNCTION IF EXISTS treatment_session_part_locked();
DROP FUNCTION IF EXISTS treatment_session_locked();
"""
)


def create_triggers(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0005_session_record")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
