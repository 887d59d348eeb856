"""What treatment sessions add to the core's pages: the chart's buttons, the portal
home's buttons, and the object types the admin role may see named in the audit log
(declared from SessionsConfig.ready())."""

from __future__ import annotations

from clinic.audit import declare_administrative
from clinic.choices import JourneyState as State
from clinic.panels import ChartLink, declare_chart_link
from clinic.portal import PortalLink, declare_portal_link


def register() -> None:
    declare_administrative(
        "calendar.",
        "treatment_sessions.appointment",
        "treatment_sessions.booking",
        "treatment_sessions.series",
    )
    declare_chart_link(
        ChartLink(
            "Sessions",
            "patient_sessions",
            80,
            states=frozenset(
                {State.PLAN, State.INDUCTION, State.MAINTENANCE, State.PAUSED, State.DISCHARGED}
            ),
        )
    )
    declare_chart_link(
        ChartLink(
            "Treatment plan",
            "plan",
            90,
            states=frozenset(
                {State.ELIGIBLE, State.PLAN, State.INDUCTION, State.MAINTENANCE, State.PAUSED}
            ),
        )
    )
    declare_portal_link(
        PortalLink(
            "My sessions",
            "my_sessions",
            10,
            states=frozenset({State.INDUCTION, State.MAINTENANCE, State.PLAN}),
        )
    )
    declare_portal_link(
        PortalLink(
            "Request a booster",
            "booster_request",
            20,
            states=frozenset({State.MAINTENANCE}),
            primary=False,
        )
    )
