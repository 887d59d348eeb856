"""PDF render time and peak memory of every document kind, on the scale database.

Each document is rendered N times in this process exactly as the Celery task does it
(`clinic.documents.generate`); time is wall-clock per document, memory is the peak of
Python allocations (tracemalloc) during one render.

    DATABASE_URL=postgres://…/clinic_bench python benchmarks/pdfs.py > benchmarks/output/pdfs.json
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("MEDIA_ROOT", str(Path(__file__).resolve().parent / "output" / "media"))
# The documents use the collected static files (logo, fonts, CSS), as a worker does.
os.environ.setdefault("STATIC_ROOT", str(Path(__file__).resolve().parent / "output" / "static"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("collectstatic", interactive=False, verbosity=0)

from clinic.documents import generate  # noqa: E402
from clinic.models import Document, Patient, User  # noqa: E402
from intake.models import EligibilityDecision  # noqa: E402
from sessions.models import TreatmentSession  # noqa: E402

RUNS = int(os.environ.get("BENCH_PDF_RUNS", "10"))


def main() -> None:
    psychiatrist = User.objects.get(username="psychiatrist")
    bench = Patient.objects.filter(mrn__startswith="BN-").order_by("pk")[4999]
    esketamine = TreatmentSession.objects.filter(
        route="intranasal_esketamine", discharged_at__isnull=False
    ).first()
    decision = EligibilityDecision.objects.first()
    cases = [
        ("course_summary", bench, None),
        ("session_record", bench, TreatmentSession.objects.filter(patient=bench).first().pk),
        ("rems_form", esketamine.patient, esketamine.pk),
        ("decision_letter", decision.patient, decision.pk),
    ]
    results = []
    for kind, patient, subject in cases:
        times, peaks, sizes = [], [], []
        # One render first: a worker loads fonts and templates once, then stays warm.
        for run in range(RUNS + 1):
            version = Document.objects.filter(
                kind=kind, patient=patient, subject_id=subject
            ).count()
            document = Document.objects.create(
                kind=kind, patient=patient, subject_id=subject, version=version + 1,
                requested_by=psychiatrist,
            )  # fmt: skip
            tracemalloc.start()
            started = time.perf_counter()
            generate(document)
            times.append((time.perf_counter() - started) * 1000)
            peaks.append(tracemalloc.get_traced_memory()[1] / 1_048_576)
            tracemalloc.stop()
            sizes.append(document.size)
            if run == 0:  # the warm-up is not counted
                for samples in (times, peaks, sizes):
                    samples.clear()
        ordered = sorted(times)
        row = {
            "document": kind,
            "runs": RUNS,
            "median_ms": round(statistics.median(times)),
            "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]),
            "peak_mib": round(max(peaks), 1),
            "size_kib": round(max(sizes) / 1024),
        }
        results.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    json.dump(results, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
