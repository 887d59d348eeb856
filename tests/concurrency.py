"""Run calls at the same moment on real database connections (the race tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections


def run_together(*calls: Callable[[], object], success: str = "done") -> list[str]:
    """Start every call at once, each on its own thread and connection. Each outcome is
    `success`, "refused: <the messages>" for a refusal the user would read, or
    "error: …" for anything else (a 500 in production: a test should never see one)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
            result = success
        except (PermissionDenied, ValidationError) as error:
            result = "refused: " + " ".join(getattr(error, "messages", [str(error)]))
        except BaseException as error:
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
