"""The production shape in docker-compose.yml (Docker itself is not needed to read it)."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_the_app_connects_as_a_role_that_does_not_own_the_tables() -> None:
    for name in ("web", "worker", "beat"):
        environment = SERVICES[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://clinic_app:"), name
    assert SERVICES["web"]["environment"]["MIGRATE_DATABASE_URL"].startswith("postgres://clinic:")
    assert "MIGRATE_DATABASE_URL" not in SERVICES["worker"]["environment"]
    assert "MIGRATE_DATABASE_URL" not in SERVICES["beat"]["environment"]


def test_a_backup_service_dumps_with_the_servers_version_and_keeps_the_documents() -> None:
    backup = SERVICES["backup"]
    assert backup["image"] == SERVICES["postgres"]["image"]  # pg_dump matches the server
    assert backup["entrypoint"] == ["/clinic/bin/backup"] and backup["command"] == ["--nightly"]
    assert "media:/media:ro" in backup["volumes"]
    assert backup["environment"]["MEDIA_ROOT"] == "/media"
    assert "BACKUP_KEEP_DAYS" in backup["environment"]
    assert backup["healthcheck"]["test"] == ["CMD", "/clinic/bin/backup", "--check"]
