"""The project package and the shared core of the clinic application."""

from __future__ import annotations

from clinic.celery import app as celery_app

__all__ = ["celery_app"]
