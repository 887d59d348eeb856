"""The Celery application.

Broker: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under
var/broker so the embedded demo runs a real worker and beat with nothing installed.
Periodic work is scheduled by django-celery-beat's database scheduler (admins see it).

Each task runs in its own work context (`clinic.context`): the audit rows it writes carry
the task id as their request id and `task:<name>` as their path, and no user.
"""

from __future__ import annotations

import os
from contextvars import Token
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_init

from clinic import context as work

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_embedded_broker_folders(**_: Any) -> None:
    from django.conf import settings

    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    if settings.CELERY_RESULT_BACKEND.startswith("file://"):
        Path(settings.CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(
            parents=True, exist_ok=True
        )


worker_init.connect(_ensure_embedded_broker_folders)
beat_init.connect(_ensure_embedded_broker_folders)


@app.on_after_configure.connect
def _prepare_embedded_broker(sender: Celery, **_: Any) -> None:
    # Producers (web processes) need the folders too, before the first task is sent.
    _ensure_embedded_broker_folders()


# A task's context opens and closes in two signal handlers, not in one `with` block, so
# the token of each running task's context is kept between them, to put back the context
# it replaced when the task ends: task_postrun fires after a failure too, and an eager
# task (run inside a request or another task) hands its caller's context back intact.
_task_context_tokens: dict[str, Token[work.WorkContext | None]] = {}


@task_prerun.connect
def _open_task_context(task_id: str = "", task: Any = None, **_: Any) -> None:
    context = work.WorkContext(source="task", request_id=task_id, path=f"task:{task.name}"[:300])
    _task_context_tokens[task_id] = work.enter(context)


@task_postrun.connect
def _close_task_context(task_id: str = "", **_: Any) -> None:
    token = _task_context_tokens.pop(task_id, None)
    if token is not None:
        work.leave(token)
