"""Server time, query count and throughput of every main page at scale.

Starts gunicorn (2 workers, the machine's 2 cores) on 127.0.0.1 against the scale
database with SERVER_TIMING on; this process is the load generator. For each page: a
warm-up, then sequential requests for the server time (from `Server-Timing`) and query
count (`X-Query-Count`), then 4 concurrent clients for throughput, reported as a ratio to
the framework floor (`/bench/floor/`, a minimal signed-in page) measured the same way.

    DATABASE_URL=postgres://…/clinic_bench python benchmarks/pages.py > benchmarks/output/pages.json
"""

from __future__ import annotations

import concurrent.futures
import http.cookiejar
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
SEQUENTIAL = int(os.environ.get("BENCH_REQUESTS", "40"))
CONCURRENCY = 4
THROUGHPUT_SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
STAFF_PASSWORD = "demo-clinic-2026"
PATIENT_PASSWORD = "demo-patient-2026"


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "SERVER_TIMING": "true",
        "DEBUG": "false",
        "CLINIC_REQUIRE_MFA": "false",
        "CLINIC_ENV_FILE": "",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-" + "x" * 40),
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(ROOT / "benchmarks" / "output" / "static"),
    }


class Browser:
    """A signed-in client with its own cookies (one per persona)."""

    def __init__(self, username: str, password: str) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.opener.open(f"{BASE}/login/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            f"{BASE}/login/", data=data, headers={"Referer": f"{BASE}/login/"}
        )
        self.opener.open(request, timeout=30).read()

    def get(self, path: str) -> tuple[int, float, int]:
        with self.opener.open(f"{BASE}{path}", timeout=60) as response:
            response.read()
            timing = response.headers.get("Server-Timing", "app;dur=0")
            duration = float(re.search(r"app;dur=([\d.]+)", timing).group(1))
            return response.status, duration, int(response.headers.get("X-Query-Count", "0"))


def ids() -> dict[str, int]:
    """Objects of a typical bench patient, read once from the database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from clinic.models import Patient
    from intake.models import Intake, IntakeStatus
    from integration.models import IntegrationNote
    from sessions.models import TreatmentSession

    patient = Patient.objects.filter(mrn__startswith="BN-").order_by("pk")[4999]
    session = TreatmentSession.objects.filter(patient=patient).order_by("-opened_at").first()
    note = IntegrationNote.objects.filter(patient=patient).first()
    submitted = Intake.objects.filter(status=IntakeStatus.SUBMITTED).order_by("pk").first()
    return {
        "patient": patient.pk,
        "session": session.pk,
        "note": note.pk,
        "review": submitted.patient_id,
    }


def pages(ref: dict[str, int]) -> list[tuple[str, str, str]]:
    p, s, n = ref["patient"], ref["session"], ref["note"]
    return [
        ("floor", "nurse", "/bench/floor/"),
        ("Home (coordinator)", "coordinator", "/"),
        ("Patient list", "coordinator", "/patients/"),
        ("Patient search", "coordinator", "/patients/?q=Patient0500"),
        ("Patient chart", "psychiatrist", f"/patients/{p}/"),
        ("Patient sessions", "coordinator", f"/patients/{p}/sessions/"),
        ("Calendar day", "coordinator", "/calendar/"),
        ("Calendar week", "coordinator", "/calendar/week/"),
        ("Boosters due", "coordinator", "/boosters/"),
        ("Invitations", "coordinator", "/invitations/"),
        ("Review queue", "psychiatrist", "/reviews/"),
        ("Intake review", "psychiatrist", f"/reviews/{ref['review']}/"),
        ("Treatment plan", "psychiatrist", f"/patients/{p}/plan/"),
        ("Series booking", "coordinator", f"/patients/{p}/book/"),
        ("Nurse board", "nurse", "/board/"),
        ("Nurse board (live)", "nurse", "/board/live/"),
        ("Session record", "nurse", f"/sessions/{s}/"),
        ("REMS forms due", "nurse", "/rems/"),
        ("Co-sign queue", "psychiatrist", "/sessions/to-cosign/"),
        ("Caseload", "therapist", "/caseload/"),
        ("Notes timeline", "therapist", f"/patients/{p}/notes/"),
        ("Note", "psychiatrist", f"/notes/{n}/"),
        ("Patient outcomes", "psychiatrist", f"/patients/{p}/outcomes/"),
        ("Clinic outcomes", "psychiatrist", "/outcomes/"),
        ("Documents", "psychiatrist", f"/patients/{p}/documents/"),
        ("Reminder history", "coordinator", f"/patients/{p}/reminders/"),
        ("Audit log", "admin", "/audit/"),
        ("Portal: home", "patient", "/"),
        ("Portal: intake", "patient", "/intake/"),
        ("Portal: my sessions", "patient", "/my/sessions/"),
        ("Portal: practices", "patient", "/my/practices/"),
        ("Portal: questionnaires", "patient", "/my/questionnaires/"),
        ("Portal: documents", "patient", "/my/documents/"),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def throughput(browser: Browser, path: str) -> float:
    deadline = time.perf_counter() + THROUGHPUT_SECONDS
    done = 0

    def loop() -> int:
        count = 0
        while time.perf_counter() < deadline:
            browser.get(path)
            count += 1
        return count

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        done = sum(pool.map(lambda _i: loop(), range(CONCURRENCY)))
    return done / (time.perf_counter() - started)


def main() -> None:
    ref = ids()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=server_env(), check=True,
    )  # fmt: skip
    log = (ROOT / "benchmarks" / "output" / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "clinic.wsgi", "--bind",
         f"127.0.0.1:{PORT}", "--workers", "2", "--threads", "2", "--access-logfile", "-"],
        cwd=ROOT, env=server_env(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        browsers = {
            name: Browser(name, PATIENT_PASSWORD if name == "patient" else STAFF_PASSWORD)
            for name in ("coordinator", "nurse", "psychiatrist", "therapist", "admin", "patient")
        }
        results = []
        only = [part for part in os.environ.get("BENCH_ONLY", "").split(",") if part]
        for label, persona, path in pages(ref):
            if only and label != "floor" and not any(part in label for part in only):
                continue
            browser = browsers[persona]
            for _ in range(3):
                browser.get(path)
            samples = [browser.get(path) for _ in range(SEQUENTIAL)]
            statuses = {status for status, _d, _q in samples}
            times = [duration for _s, duration, _q in samples]
            queries = sorted({count for _s, _d, count in samples})
            results.append(
                {
                    "page": label,
                    "path": path,
                    "persona": persona,
                    "status": sorted(statuses),
                    "median_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 0.95), 1),
                    "queries": queries,
                    "rps": round(throughput(browser, path), 1),
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        floor = results[0]["rps"]
        for row in results:
            row["floor_ratio"] = round(row["rps"] / floor, 2) if floor else None
        json.dump({"pages": results, "reference": ref}, sys.stdout, indent=1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
