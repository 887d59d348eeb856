"""The Celery application.

Broker: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under
var/broker so the embedded demo runs a real worker and beat with nothing installed.
Periodic work is scheduled by django-celery-beat's database scheduler (admins see it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init

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
