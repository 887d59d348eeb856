"""Python function calls per request of every page of `pages.py`, counted by cProfile.

Unlike server time, the count does not move with the machine's load, so two versions of
the code can be compared on a busy machine: run this from each checkout against the same
seeded database and compare the two JSON files (`benchmarks/compare.py --calls A B`).
Pages are requested through Django's test client (no gunicorn), signed in per persona.

    DATABASE_URL=postgres://…/clinic_bench CLINIC_REQUIRE_MFA=false \
        python benchmarks/calls.py > benchmarks/output/calls.json
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import ids, pages

SAMPLES = 5


def main() -> None:
    ref = ids()  # sets Django up
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = get_user_model().objects
    clients: dict[str, Client] = {}
    out: dict[str, dict[str, int]] = {}
    for label, persona, path in pages(ref):
        client = clients.get(persona)
        if client is None:
            client = clients[persona] = Client(HTTP_HOST="127.0.0.1")
            client.force_login(users.get(username=persona))
        for _ in range(3):
            status = client.get(path).status_code
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(SAMPLES):
            client.get(path)
        profile.disable()
        calls = pstats.Stats(profile).total_calls // SAMPLES
        out[label] = {"status": status, "calls": calls}
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    main()
