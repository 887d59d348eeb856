"""Exactly-once reminders under faults, with real processes: Celery workers on a Redis
server this test owns (so it may kill and restart it) and the real PostgreSQL.

Three hundred due reminders (200 emails, 100 text messages through an HTTP provider that
refuses every tenth message once, forcing real Celery retries) go out while two "beat"
processes queue due reminders at the same moments, one worker is killed with SIGKILL
mid-run and restarted, and Redis is restarted once (losing every queued task). At the end
every reminder is sent, each message is in the sink exactly once, and none is lost.

Beat's schedule fires once a minute; the two beat processes here fire the same two jobs
(queue due, sweep) every half second so the race happens often within a short test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from clinic.choices import ReminderStatus
from clinic.models import Reminder
from tests.factories import IntakeFactory, PatientFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EMAILS, TEXTS = 200, 100

BEAT_LOOP = """
import os, time, django
django.setup()
from clinic.tasks import queue_due_reminders, sweep_reminders
stop = time.time() + float(os.environ["BEAT_SECONDS"])
tick = 0
while time.time() < stop:
    try:
        queue_due_reminders.delay()
        if tick % 6 == 0:
            sweep_reminders.delay()
    except Exception as error:  # Redis restarting: beat keeps going, as celery beat does
        print("beat:", error.__class__.__name__, flush=True)
    tick += 1
    time.sleep(0.5)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


class Provider(BaseHTTPRequestHandler):
    """An SMS provider honouring Idempotency-Key: a key it already delivered is
    acknowledged again but not delivered twice. It refuses every tenth key once."""

    lock = threading.Lock()
    delivered: Counter[str] = Counter()
    handovers: Counter[str] = Counter()
    refused: set[str] = set()

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        urllib.parse.parse_qs(self.rfile.read(length).decode())
        key = self.headers["Idempotency-Key"]
        with Provider.lock:
            Provider.handovers[key] += 1
            refuse = int(key.rsplit("-", 1)[1]) % 10 == 0 and key not in Provider.refused
            if refuse:
                Provider.refused.add(key)
            elif key not in Provider.delivered:
                Provider.delivered[key] += 1
        self.send_response(503 if refuse else 201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"sid": f"SM-{key}"}).encode())

    def log_message(self, *args: object) -> None:
        return


@contextmanager
def sms_provider() -> Iterator[str]:
    Provider.delivered, Provider.handovers, Provider.refused = Counter(), Counter(), set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/Messages.json"
    finally:
        server.shutdown()
        server.server_close()


class OwnRedis:
    """A redis-server started (and so killable) by this test."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log, self.process = port, log, None

    def start(self) -> None:
        self.process = spawn(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            dict(os.environ), self.log,
        )  # fmt: skip
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def worker(env: dict[str, str], log: Path, name: str) -> subprocess.Popen:
    return spawn(
        [str(BIN / "celery"), "-A", "clinic", "worker", "--pool", "threads", "--concurrency",
         "4", "--loglevel", "INFO", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        env, log,
    )  # fmt: skip


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_due_reminders() -> None:
    now = timezone.now()
    rows = []
    for index in range(EMAILS + TEXTS):
        text = index >= EMAILS
        patient = PatientFactory(
            email="" if text else f"patient{index}@patients.example",
            phone=f"+1617555{index:04d}" if text else "",
            reminder_channel="sms" if text else "email",
        )
        intake = IntakeFactory(patient=patient, opened=True)
        rows.append(
            Reminder(
                kind="intake_incomplete",
                target=f"intake:{intake.pk}/patient:{patient.pk}/{'sms' if text else 'email'}",
                due_at=now,
                channel="sms" if text else "email",
                patient=patient,
                address=patient.phone if text else patient.email,
            )
        )
    Reminder.objects.bulk_create(rows)


def sent_count() -> int:
    return Reminder.objects.filter(status=ReminderStatus.SENT).count()


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_every_reminder_is_delivered_exactly_once_through_kills_restarts_and_retries(
    tmp_path: Path,
) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("The fault tests run on PostgreSQL; set DATABASE_URL.")
    make_due_reminders()
    port = free_port()
    redis = OwnRedis(port, tmp_path / "redis.log")
    redis.start()
    with sms_provider() as provider_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CELERY_TASK_ALWAYS_EAGER", "EMAIL_URL"}
        } | {
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "CLINIC_VAR_DIR": str(tmp_path),
            "CELERY_VISIBILITY_TIMEOUT": "30",
            "REMINDER_STALE_SECONDS": "12",
            "REMINDER_BACKOFF_SECONDS": "1",
            "SMS_BACKEND": "clinic.notifications.sms.HttpSmsBackend",
            "SMS_HTTP_URL": provider_url,
            "SMS_HTTP_ACCOUNT": "AC-test",
            "SMS_HTTP_TOKEN": "token",
            "SMS_FROM": "+16175550100",
            "BEAT_SECONDS": "240",
        }
        processes: list[subprocess.Popen] = []
        try:
            first = worker(env, tmp_path / "worker-a.log", "a")
            second = worker(env, tmp_path / "worker-b.log", "b")
            processes += [first, second]
            for name in ("beat-1", "beat-2"):
                processes.append(
                    spawn([sys.executable, "-c", BEAT_LOOP], env, tmp_path / f"{name}.log")
                )
            wait_for(lambda: sent_count() >= 40, 90, "the first sends")
            first.send_signal(signal.SIGKILL)  # mid-run: tasks in flight die with it
            first.wait(timeout=10)
            processes.append(worker(env, tmp_path / "worker-a2.log", "a2"))
            wait_for(lambda: sent_count() >= 150, 120, "sends after the kill")
            redis.stop()  # every queued task in Redis is lost
            time.sleep(1)
            redis.start()
            wait_for(lambda: sent_count() == EMAILS + TEXTS, 180, "every reminder to be sent")
        finally:
            for process in processes:
                stop(process)
            redis.stop()

        statuses = Counter(Reminder.objects.values_list("status", flat=True))
        assert statuses == {ReminderStatus.SENT: EMAILS + TEXTS}

        # Email: one message per reminder in the outbox, named by its Message-ID.
        outbox = tmp_path / "mail"
        messages = sorted(p.name for p in outbox.glob("reminder-*.eml"))
        email_ids = set(Reminder.objects.filter(channel="email").values_list("pk", flat=True))
        assert len(messages) == EMAILS
        assert {int(name.split("-")[1].split("_")[0]) for name in messages} == email_ids

        # SMS: every key delivered once by the provider, including the refused ones.
        sms_keys = {
            f"reminder-{pk}"
            for pk in Reminder.objects.filter(channel="sms").values_list("pk", flat=True)
        }
        assert set(Provider.delivered) == sms_keys
        assert all(count == 1 for count in Provider.delivered.values())
        retried = {key for key in Provider.refused if Provider.handovers[key] >= 2}
        assert retried and retried == Provider.refused  # every refusal was retried

        # Hand-overs beyond one per message can only come from the SIGKILL window:
        # at most one per task the killed worker held (4 threads).
        handovers = (outbox / "handovers.log").read_text().split()
        extra_email = len(handovers) - EMAILS
        extra_sms = sum(Provider.handovers.values()) - TEXTS - len(Provider.refused)
        assert 0 <= extra_email + extra_sms <= 4, (extra_email, extra_sms)
        assert Reminder.objects.filter(attempts__gt=1).exists()
