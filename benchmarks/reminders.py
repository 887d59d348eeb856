"""Reminder throughput: 10,000 due reminders through real Celery workers and Redis.

Starts its own redis-server, two workers (8 threads each) and one beat process firing the
queue job every second (production beat fires it every minute; the drain time below is
the workers' throughput, not beat's cadence). Measures the time until every reminder is
`sent` and counts duplicates in the email outbox (hand-overs beyond one per message).

    DATABASE_URL=postgres://…/clinic_bench python benchmarks/reminders.py
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from clinic.models import Reminder  # noqa: E402
from sessions.models import Appointment  # noqa: E402

COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))
# Each of the two workers: the pool and its size (`prefork`, `threads`).
POOL = os.environ.get("BENCH_POOL", "threads")
CONCURRENCY = os.environ.get("BENCH_CONCURRENCY", "8")
OUT = ROOT / "benchmarks" / "output" / "reminders"
BEAT = """
import time, django
django.setup()
from clinic.tasks import queue_due_reminders
while True:
    queue_due_reminders.delay()
    time.sleep(1)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(args: list[str], env: dict[str, str], log: str) -> subprocess.Popen:
    with (OUT / log).open("w") as output:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in (OUT / "mail").glob("*"):
        old.unlink()
    Reminder.objects.filter(target__contains="/bench:").delete()
    appointments = list(
        Appointment.objects.filter(status="scheduled", patient__mrn__startswith="BN-")
        .select_related("patient")
        .order_by("pk")[:COUNT]
    )
    now = timezone.now()
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind="booking_confirmation",
                target=f"booked:{a.pk}/bench:{a.patient_id}/email",
                due_at=now,
                channel="email",
                patient=a.patient,
                address=a.patient.email,
            )
            for a in appointments
        ],
        batch_size=5000,
    )
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "CLINIC_VAR_DIR": str(OUT),
        "CLINIC_ENV_FILE": "",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-" + "x" * 40),
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    celery = str(Path(sys.executable).with_name("celery"))
    processes = [
        spawn(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            env,
            "redis.log",
        )
    ]
    time.sleep(0.5)
    started = time.perf_counter()
    try:
        for name in ("w1", "w2"):
            processes.append(
                spawn([celery, "-A", "clinic", "worker", "--pool", POOL, "-c", CONCURRENCY,
                       "-n", f"{name}@%h", "--loglevel", "WARNING", "--without-gossip",
                       "--without-mingle", "--without-heartbeat"], env, f"{name}.log")
            )  # fmt: skip
        processes.append(spawn([sys.executable, "-c", BEAT], env, "beat.log"))
        bench = Reminder.objects.filter(target__contains="/bench:")
        while bench.exclude(status="sent").exists():
            if time.perf_counter() - started > 600:
                raise SystemExit("not drained in 10 minutes")
            time.sleep(0.5)
        drained = time.perf_counter() - started
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    messages = len(list((OUT / "mail").glob("reminder-*.eml")))
    handovers = len((OUT / "mail" / "handovers.log").read_text().split())
    result = {
        "reminders": len(appointments),
        "drain_seconds": round(drained, 1),
        "per_second": round(len(appointments) / drained, 1),
        "messages_in_outbox": messages,
        "duplicates": handovers - messages,
        "sent": bench.filter(status="sent").count(),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
