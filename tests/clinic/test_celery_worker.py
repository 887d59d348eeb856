"""A real Celery worker process answers tasks: on Redis (production) and on the embedded
filesystem broker that `make run` uses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from clinic.celery import app
from clinic.tasks import worker_health

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    return f"sqlite:///{settings['NAME']}"


@pytest.fixture(autouse=True)
def real_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests send through the broker to a real worker, never inline."""
    monkeypatch.delenv("CELERY_TASK_ALWAYS_EAGER", raising=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


@contextmanager
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen]:
    pidfile = tmp_path / "worker.pid"
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            CELERY,
            "-A",
            "clinic",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--pidfile",
            str(pidfile),
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_a_task_and_returns_its_result(tmp_path) -> None:
    redis_url = os.environ["REDIS_URL"]  # CI always provides the real Redis
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": _database_url()}
    assert app.conf.broker_url.startswith("redis://")
    with worker(env, tmp_path) as process:
        result = worker_health.apply_async()
        answer = result.get(timeout=60)
        assert process.poll() is None
    assert answer == {"status": "ok", "database": connection.vendor}


@pytest.mark.django_db(transaction=True)
def test_the_embedded_filesystem_broker_runs_a_real_worker(tmp_path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL"}} | {
        "CLINIC_VAR_DIR": str(tmp_path),
        "DATABASE_URL": _database_url(),
    }
    probe = (
        "import django, json; django.setup();"
        "from clinic.tasks import worker_health;"
        "print(json.dumps(worker_health.apply_async().get(timeout=60)))"
    )
    with worker(env, tmp_path):
        client = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env=env | {"DJANGO_SETTINGS_MODULE": "clinic.settings"},
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert client.returncode == 0, client.stderr[-2000:]
    assert '"status": "ok"' in client.stdout
    assert (tmp_path / "broker" / "queue").is_dir()
