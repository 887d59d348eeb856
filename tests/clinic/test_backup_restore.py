"""Nothing lost when the server is (issue 14, item 11), on the real PostgreSQL.

The production shape: migrations run as the owner role and the app connects as a role
with row privileges only (bin/docker-entrypoint, manage.py grant_app_role); bin/backup
dumps the database and the documents, bin/restore brings them back into a new database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from psycopg2 import errors

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]
APP_PASSWORD = "app-role-secret"
COUNT_EVERY_MODEL = (
    "import django, json; django.setup(); from django.apps import apps; "
    "print(json.dumps({m._meta.label: m._base_manager.count() "
    "for m in apps.get_models(include_auto_created=True)}))"
)


@dataclass(frozen=True)
class Server:
    """The PostgreSQL server of DATABASE_URL, reached as its (owner) user."""

    url: str

    def database_url(self, name: str, *, user: str = "", password: str = "") -> str:
        parts = urlsplit(self.url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        if user:
            netloc = f"{user}:{password}@{netloc}" if password else f"{user}@{netloc}"
        else:
            netloc = parts.netloc
        return urlunsplit((parts.scheme, netloc, f"/{name}", "", ""))

    def run(self, *statements: str) -> None:
        connection = psycopg2.connect(self.database_url("postgres"))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()


@dataclass(frozen=True)
class Deployment:
    server: Server
    prefix: str
    app_role: str
    source: str
    media: Path

    def owner_url(self, database: str) -> str:
        return self.server.database_url(database)

    def app_url(self, database: str) -> str:
        return self.server.database_url(database, user=self.app_role, password=APP_PASSWORD)


def _env(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.endswith("_URL_FILE")}
    env.update(
        CLINIC_ENV_FILE="",
        DEBUG="false",
        CELERY_TASK_ALWAYS_EAGER="true",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(values)
    return env


def _run(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(command), cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _manage(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _run(sys.executable, "manage.py", *args, DATABASE_URL=database_url, **env)


def _start_web(deployment: Deployment, database: str) -> None:
    """What web's start-up does: migrate as the owner, then grant the app role."""
    _run(
        "bin/docker-entrypoint",
        "migrate",
        MIGRATE_DATABASE_URL=deployment.owner_url(database),
        DATABASE_URL=deployment.app_url(database),
    )


def _counts(database_url: str) -> dict[str, int]:
    result = _run(sys.executable, "-c", COUNT_EVERY_MODEL, DATABASE_URL=database_url)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """A fresh database migrated as the production start-up does it, then the demo
    seeded through the app's own role (so the role suffices to run the clinic)."""
    server = Server(os.environ["DATABASE_URL"])
    prefix = f"{urlsplit(server.url).path.lstrip('/')}_bk{uuid.uuid4().hex[:6]}"
    found = Deployment(
        server=server,
        prefix=prefix,
        app_role=f"{prefix}_app",
        source=f"{prefix}_source",
        media=tmp_path_factory.mktemp("media"),
    )
    server.run(f'CREATE DATABASE "{found.source}"')
    try:
        _start_web(found, found.source)
        _manage("seed_demo", database_url=found.app_url(found.source), MEDIA_ROOT=str(found.media))
        document = found.media / "documents" / "2026" / "course-summary.pdf"
        document.parent.mkdir(parents=True)
        document.write_bytes(b"%PDF-1.7 a generated document\n")
        yield found
    finally:
        server.run(
            *(
                f'DROP DATABASE IF EXISTS "{prefix}_{name}" WITH (FORCE)'
                for name in ("source", "restored_plain", "restored_encrypted")
            ),
            f'DROP ROLE IF EXISTS "{found.app_role}"',
        )


def test_the_app_role_reads_and_writes_rows_but_cannot_empty_or_drop_the_audit_trail(
    deployment: Deployment,
) -> None:
    owner = psycopg2.connect(deployment.owner_url(deployment.source))
    owner.autocommit = True
    app = psycopg2.connect(deployment.app_url(deployment.source))
    app.autocommit = True
    try:
        with app.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM clinic_auditevent")
            assert cursor.fetchone()[0] > 0
            cursor.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date) "
                "VALUES ('backup-test', 'x', now())"
            )
            cursor.execute(
                "UPDATE django_session SET session_data = 'y' WHERE session_key = 'backup-test'"
            )
            cursor.execute("DELETE FROM django_session WHERE session_key = 'backup-test'")
            for statement in (
                "TRUNCATE clinic_auditevent",
                "DROP TABLE clinic_auditevent",
                "ALTER TABLE clinic_auditevent DISABLE TRIGGER ALL",
                "TRUNCATE clinic_patient CASCADE",
                "CREATE TABLE app_made (id int)",
            ):
                with pytest.raises(errors.InsufficientPrivilege):
                    cursor.execute(statement)
            with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
                cursor.execute("DELETE FROM clinic_auditevent")
        # A table a later migration creates (as the owner) is covered too.
        with owner.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE later_migration (id bigint GENERATED BY DEFAULT AS IDENTITY)"
            )
        try:
            with app.cursor() as cursor:
                cursor.execute("INSERT INTO later_migration DEFAULT VALUES RETURNING id")
                assert cursor.fetchone()[0] == 1
        finally:
            with owner.cursor() as cursor:
                cursor.execute("DROP TABLE later_migration")
    finally:
        app.close()
        owner.close()


@pytest.fixture(scope="module")
def clinic_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The clinic's OpenPGP key pair, as the clinic would make it on its own computer."""
    folder = tmp_path_factory.mktemp("clinic-key")
    home = folder / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--quiet"]
    try:
        _run(
            *gpg,
            "--passphrase",
            "",
            "--quick-gen-key",
            "Clinic backups",
            "default",
            "default",
            "never",
        )
        public = folder / "public.asc"
        private = folder / "private.asc"
        public.write_text(_run(*gpg, "--armor", "--export").stdout)
        private.write_text(_run(*gpg, "--armor", "--export-secret-keys").stdout)
        yield public, private
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_a_backup_of_the_demo_restores_with_every_record_and_an_intact_audit_chain(
    deployment: Deployment, clinic_key: tuple[Path, Path], tmp_path: Path, encrypted: bool
) -> None:
    public_key, private_key = clinic_key
    backups = tmp_path / "backups"
    _run(
        "bin/backup",
        BACKUP_DATABASE_URL=deployment.owner_url(deployment.source),
        MEDIA_ROOT=str(deployment.media),
        BACKUP_DIR=str(backups),
        BACKUP_KEEP_DAYS="14",
        BACKUP_ENCRYPT_TO=str(public_key) if encrypted else "",
    )
    [backup_set] = backups.glob("clinic-*")
    stored = sorted(path.name for path in backup_set.iterdir())
    if encrypted:
        assert stored == ["SHA256SUMS", "database.dump.gpg", "media.tar.gz.gpg"]
        assert b"Morgan" not in (backup_set / "database.dump.gpg").read_bytes()
    else:
        assert stored == ["SHA256SUMS", "database.dump", "media.tar.gz"]
    _run("bin/backup", "--check", BACKUP_DIR=str(backups))

    restored = f"{deployment.prefix}_restored_{'encrypted' if encrypted else 'plain'}"
    deployment.server.run(f'CREATE DATABASE "{restored}"')
    restored_media = tmp_path / "restored-media"
    key = ["--key", str(private_key)] if encrypted else []
    _run(
        "bin/restore",
        *key,
        str(backup_set),
        RESTORE_DATABASE_URL=deployment.owner_url(restored),
        MEDIA_ROOT=str(restored_media),
    )
    _start_web(deployment, restored)  # gives the app role its privileges again

    source_counts = _counts(deployment.app_url(deployment.source))
    assert source_counts["clinic.AuditEvent"] > 0 and source_counts["clinic.Patient"] > 0
    assert _counts(deployment.app_url(restored)) == source_counts
    check = _manage("verify_audit", database_url=deployment.app_url(restored))
    assert f"Audit chain intact: {source_counts['clinic.AuditEvent']} rows." in check.stdout
    document = Path("documents") / "2026" / "course-summary.pdf"
    assert (restored_media / document).read_bytes() == (deployment.media / document).read_bytes()


def test_a_restore_never_writes_over_a_database_that_holds_data(
    deployment: Deployment, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    _run(
        "bin/backup",
        BACKUP_DATABASE_URL=deployment.owner_url(deployment.source),
        MEDIA_ROOT=str(deployment.media),
        BACKUP_DIR=str(backups),
    )
    [backup_set] = backups.glob("clinic-*")
    result = subprocess.run(
        ["bin/restore", str(backup_set)],
        cwd=ROOT,
        env=_env(
            RESTORE_DATABASE_URL=deployment.owner_url(deployment.source),
            MEDIA_ROOT=str(tmp_path / "media"),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "restore only into a new, empty database" in result.stderr
    assert _counts(deployment.app_url(deployment.source))["clinic.AuditEvent"] > 0
