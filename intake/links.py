"""What intake adds to the core's pages: the chart's buttons, the portal home's button,
and the object types the admin role may see named in the audit log (declared from
IntakeConfig.ready())."""

from __future__ import annotations

from clinic.audit import declare_administrative
from clinic.choices import JourneyState
from clinic.panels import ChartLink, declare_chart_link
from clinic.portal import PortalLink, declare_portal_link

_INTAKE_OPEN = frozenset(
    {JourneyState.INVITED, JourneyState.INTAKE_IN_PROGRESS, JourneyState.MORE_INFORMATION}
)


def register() -> None:
    declare_administrative("intake.invitation")
    declare_chart_link(
        ChartLink("Enter intake with the patient", "staff_intake_review", 30, states=_INTAKE_OPEN)
    )
    declare_chart_link(
        ChartLink(
            "Eligibility review",
            "review",
            100,
            states=frozenset(JourneyState.values)
            - {JourneyState.INVITED, JourneyState.INTAKE_IN_PROGRESS},
            primary=True,
        )
    )
    declare_portal_link(
        PortalLink(
            "Continue my intake",
            "intake_home",
            30,
            states=_INTAKE_OPEN | {JourneyState.AWAITING_REVIEW},
            labels=((JourneyState.AWAITING_REVIEW, "See my intake"),),
        )
    )
