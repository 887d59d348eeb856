"""What integration adds to the core: the chart's buttons and its periodic task
(declared from IntegrationConfig.ready())."""

from __future__ import annotations

from clinic.panels import ChartLink, declare_chart_link
from clinic.schedules import Periodic, declare_periodic


def register() -> None:
    declare_chart_link(ChartLink("Integration notes", "patient_notes", 60))
    declare_chart_link(ChartLink("Outcomes", "patient_outcomes", 70))
    declare_periodic(
        Periodic(
            name="Refresh the clinic outcomes",
            task="integration.refresh_clinic_outcomes",
            crontab={"minute": "*/5"},
            description="Every 5 minutes: response and remission per protocol, for the "
            "Outcomes page.",
        )
    )
