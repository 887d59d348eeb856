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
import datetime as dt
import http.client
import http.cookiejar
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
SEQUENTIAL = int(os.environ.get("BENCH_REQUESTS", "40"))
DOWNLOAD_REQUESTS = int(os.environ.get("BENCH_DOWNLOADS", "5"))
MANAGER = "nurse2"  # the controlled-substance manager (`seed_ledger.py`: every location)
PERSONAS = ("coordinator", "nurse", "psychiatrist", "therapist", "admin", "patient", MANAGER)
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

    def download(self, path: str) -> dict[str, object]:
        """One download, timed by this client until the last byte (a streamed CSV is
        produced after the view returns, which `Server-Timing` cannot see); a refusal
        (4xx) or a worker killed on its timeout is recorded, not raised."""
        started = time.perf_counter()
        try:
            response = self.opener.open(f"{BASE}{path}", timeout=300)
        except urllib.error.HTTPError as refused:
            response = refused
        except (OSError, http.client.HTTPException) as failed:
            return {"status": type(failed).__name__, "ms": _ms(started), "bytes": 0}
        with response:
            first = _ms(started)
            try:
                size = len(response.read())
            except (OSError, http.client.HTTPException) as failed:
                return {"status": type(failed).__name__, "ms": _ms(started), "bytes": 0}
            return {
                "status": response.status,
                "ms": _ms(started),
                "first_byte_ms": first,
                "bytes": size,
                "type": response.headers.get("Content-Type", "").split(";")[0],
                "queries": int(response.headers.get("X-Query-Count", "0")),
            }


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


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
        **ledger_ids(),
    }


def ledger_ids() -> dict[str, int | str]:
    """The controlled-substance record's worst case (`seed_ledger.py`): the location with
    the most entries, its lot with the most entries, its latest inventory, and the last
    day of the report ranges (the location's today)."""
    from django.db.models import Count

    from clinic import clock
    from clinic.models import Location
    from controlled.models import LedgerEntry, StockCount

    top = (
        LedgerEntry.objects.values("lot__location")
        .annotate(entries=Count("pk"))
        .order_by("-entries", "lot__location")
        .first()
    )
    location = Location.objects.get(pk=top["lot__location"])
    lot = (
        LedgerEntry.objects.filter(lot__location=location)
        .values("lot")
        .annotate(entries=Count("pk"))
        .order_by("-entries", "lot")
        .first()
    )
    inventory = (
        StockCount.objects.filter(location=location, purpose__in=["initial", "biennial"])
        .order_by("-counted_at", "-pk")
        .first()
    )
    return {
        "location": location.pk,
        "location_entries": top["entries"],
        "lot": lot["lot"],
        "lot_entries": lot["entries"],
        "inventory": inventory.pk,
        "today": clock.localdate(location.zone).isoformat(),
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
        *ledger_pages(ref),
    ]


def ledger_pages(ref: dict) -> list[tuple[str, str, str]]:
    """The controlled-substance pages at the busiest location, read by its manager."""
    lot_page = -(-ref["lot_entries"] // 50) // 2  # a page in the middle of the lot's ledger
    return [
        ("Ledger: stock", MANAGER, f"/controlled/?location={ref['location']}"),
        ("Ledger: lot (latest page)", MANAGER, f"/controlled/lots/{ref['lot']}/"),
        ("Ledger: lot (first page)", MANAGER, f"/controlled/lots/{ref['lot']}/?page=1"),
        ("Ledger: lot (middle page)", MANAGER, f"/controlled/lots/{ref['lot']}/?page={lot_page}"),
        ("Ledger: counts", MANAGER, "/controlled/counts/"),
        ("Ledger: reports", MANAGER, "/controlled/reports/"),
    ]


REPORT_CODES = ("administrations", "receipts", "waste", "balances", "inventory")


def downloads(ref: dict) -> list[tuple[str, str, str]]:
    """Each report as CSV and PDF over one month and two years at the busiest location,
    and the inventory PDF."""
    end = dt.date.fromisoformat(ref["today"])
    ranges = {"1 month": end - dt.timedelta(days=30), "2 years": end - dt.timedelta(days=730)}
    found = []
    for span, start in ranges.items():
        for code in REPORT_CODES:
            for fmt in ("csv", "pdf"):
                query = urllib.parse.urlencode(
                    {"location": ref["location"], "report": code, "start": start.isoformat(),
                     "end": end.isoformat(), "format": fmt}
                )  # fmt: skip
                found.append((f"{code} {fmt.upper()}, {span}", MANAGER,
                              f"/controlled/reports/download/?{query}"))  # fmt: skip
    found.append(
        ("Inventory PDF", MANAGER, f"/controlled/inventories/{ref['inventory']}/inventory.pdf")
    )
    return found


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


def measure_downloads(
    browser: Browser, files: list[tuple[str, str, str]], only: list[str]
) -> list[dict[str, object]]:
    """Each report file after one warm-up: a few downloads one after another (their time
    to the last byte, size and status); no throughput run, a download is not a page."""
    results = []
    for label, _persona, path in files:
        if only and not any(part in label for part in only):
            continue
        browser.download(path)
        samples = [browser.download(path) for _ in range(DOWNLOAD_REQUESTS)]
        times = [sample["ms"] for sample in samples]
        results.append(
            {
                "file": label,
                "path": path,
                "status": sorted({str(sample["status"]) for sample in samples}),
                "type": samples[-1].get("type", ""),
                "median_ms": round(statistics.median(times), 1),
                "max_ms": max(times),
                "first_byte_ms": statistics.median(s.get("first_byte_ms", 0) for s in samples),
                "kib": round(statistics.median(sample["bytes"] for sample in samples) / 1024),
                "queries": sorted({sample.get("queries", 0) for sample in samples}),
            }
        )
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    return results


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
            for name in PERSONAS
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
        files = measure_downloads(browsers[MANAGER], downloads(ref), only)
        json.dump({"pages": results, "downloads": files, "reference": ref}, sys.stdout, indent=1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
