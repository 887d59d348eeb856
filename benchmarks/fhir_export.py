"""The FHIR bulk export and the API's searches at clinic scale (fhir.md §2).

On the database `seed_scale.py` filled (10,000 patients, 1,000,000 vital readings at
scale 1): three exports by one API client holding `system/*.read`, each in a process of
its own that runs the export task's body (`fhir.bulk.services.export_run`, what the
Celery worker runs) and reports its peak RSS (`resource.getrusage`):

1. Observation, only readings recorded in the newest tenth of the record (`_since`);
2. Observation, every reading (ten times the rows): the peak RSS must not grow with them;
3. the system export, every type.

Then the p95 server time of three searches through the API in this process (Django's
test client, a bearer token): Patient?name=, Observation?patient=&category=vital-signs,
Encounter?patient=, each for 40 random patients.

    DATABASE_URL=postgres://…/clinic_bench python benchmarks/fhir_export.py \
        > benchmarks/output/fhir_export.json

Files are written under a temporary MEDIA_ROOT and deleted after each export.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
if "MEDIA_ROOT" not in os.environ:  # a folder of its own, removed when done
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="fhir-export-bench-")
    os.environ["BENCH_REMOVE_MEDIA"] = "1"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

CLIENT_NAME = "Benchmark bulk export"
SEARCHES = int(os.environ.get("BENCH_REQUESTS", "40"))


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_client():
    """The API client the exports and searches read as (every patient, every type)."""
    from django.contrib.auth.hashers import make_password

    from clinic.models import User
    from fhir.models import ApiClient

    admin = User.objects.filter(staff_roles__role="admin").first()
    client, _ = ApiClient.objects.get_or_create(
        name=CLIENT_NAME,
        defaults={
            "client_id": "benchmark-bulk-export",
            "secret_hash": make_password(None),
            "scopes": "system/*.read",
            "rate_per_minute": 1_000_000,
            "created_by": admin,
        },
    )
    return client


def run_one(types: str, since: str | None) -> dict[str, object]:
    """One export in this process (a fresh one): time, resources, peak RSS."""
    import datetime as dt

    from django.db import connection

    from fhir.bulk.models import ExportJob
    from fhir.bulk.services import export_run
    from fhir.bulk.writer import delete_files

    client = bench_client()
    before = _rss_mb()
    job = ExportJob.objects.create(
        level="system",
        client=client,
        scopes="system/*.read",
        request_url="benchmark",
        types=types,
        since=dt.datetime.fromisoformat(since) if since else None,
        created_at=timezone.now(),
    )
    started = time.perf_counter()
    export_run(job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    sizes = sum(exported.file.size for exported in job.files.all())
    parts = job.files.count()
    delete_files(job)
    connection.close()
    total = sum(job.counts.values())
    return {
        "status": job.status,
        "error": job.error,
        "resources": total,
        "counts": job.counts,
        "patients": job.patient_count,
        "files": parts,
        "megabytes": round(sizes / 1e6, 1),
        "seconds": round(seconds, 1),
        "resources_per_second": round(total / seconds) if seconds else None,
        "rss_before_mb": before,
        "peak_rss_mb": _rss_mb(),
    }


def _in_process(types: str, since: str | None) -> dict[str, object]:
    command = [sys.executable, __file__, "--run", "--types", types]
    if since:
        command += ["--since", since]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ)
    return json.loads(done.stdout.strip().splitlines()[-1])


def newest_tenth() -> str:
    """The instant after which a tenth of the vital readings were recorded."""
    from sessions.models import VitalReading

    total = VitalReading.objects.count()
    cut = (
        VitalReading.objects.order_by("-recorded_at").values_list("recorded_at", flat=True)[
            max(0, total // 10 - 1)
        ]
        if total
        else timezone.now()
    )
    return cut.isoformat()


def searches() -> list[dict[str, object]]:
    """p95 of three searches through the API, as the client (bearer token)."""
    from django.test import Client

    from clinic.models import Patient
    from fhir.clients.services import token_issue

    token = token_issue(client=bench_client(), requested_scope=None).access_token
    browser = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
    rng = random.Random(2026)
    ids = list(Patient.objects.values_list("pk", flat=True))
    names = list(Patient.objects.values_list("legal_last_name", flat=True)[:2000])
    cases = {
        "Patient?name=": lambda: f"Patient?name={rng.choice(names)[:6]}",
        "Observation?patient=&category=vital-signs": lambda: (
            f"Observation?patient={rng.choice(ids)}&category=vital-signs"
        ),
        "Encounter?patient=": lambda: f"Encounter?patient={rng.choice(ids)}",
    }
    found = []
    for label, make in cases.items():
        times, statuses = [], set()
        for n in range(SEARCHES + 3):
            started = time.perf_counter()
            response = browser.get(f"/fhir/r4/{make()}", secure=True)
            elapsed = (time.perf_counter() - started) * 1000
            statuses.add(response.status_code)
            if n >= 3:  # three warm-up requests
                times.append(elapsed)
        times.sort()
        found.append(
            {
                "search": label,
                "requests": len(times),
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
                "statuses": sorted(statuses),
            }
        )
    return found


def main() -> None:
    from clinic.models import Patient
    from sessions.models import VitalReading

    since = newest_tenth()
    report = {
        "load_before": os.getloadavg(),
        "patients": Patient.objects.count(),
        "vital_readings": VitalReading.objects.count(),
        "exports": [],
    }
    for label, types, cut in (
        ("Observation, newest tenth of readings (_since)", "Observation", since),
        ("Observation, every reading", "Observation", None),
        ("System export, every type", "", None),
    ):
        print(f"{label} …", file=sys.stderr, flush=True)
        report["exports"].append({"export": label, **_in_process(types, cut)})
    report["searches"] = searches()
    report["load_after"] = os.getloadavg()
    if os.environ.get("BENCH_REMOVE_MEDIA"):
        shutil.rmtree(os.environ["MEDIA_ROOT"], ignore_errors=True)
    print(json.dumps(report, indent=2))


def _run_from_arguments() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", action="store_true", help="one export in this process")
    parser.add_argument("--types", default="")
    parser.add_argument("--since", default=None)
    arguments = parser.parse_args()
    if not arguments.run:
        main()
        return
    from fhir.bulk.kickoff import readable_types
    from fhir.clients.principal import ClientPrincipal

    types = arguments.types or " ".join(
        readable_types(ClientPrincipal(bench_client(), ["system/*.read"]), "system")
    )
    print(json.dumps(run_one(types, arguments.since)))


if __name__ == "__main__":
    _run_from_arguments()
