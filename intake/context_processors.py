"""The urgent-alert banner every psychiatrist sees until each alert is acknowledged."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from intake.selectors import open_urgent_alerts


def urgent_alerts(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_patient_account:
        return {}
    return {"open_urgent_alerts": list(open_urgent_alerts(user)[:20])}
