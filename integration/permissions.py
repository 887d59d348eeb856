"""The integration app's actions in the one access policy (`clinic.policy`).

Views name them in `@permits(...)`, services in `require(...)`, templates as
`can.integration.<verb>`; the roles holding each action are listed here and nowhere else.
"""

from __future__ import annotations

from clinic.choices import PATIENT_ROLE, Role  # noqa: F401
from clinic.policy import define  # noqa: F401
