"""The core's actions in the one access policy (`clinic.policy`).

Each app declares its own actions in its `permissions.py`; its views, services, menus and
templates name them through the constants here, never through role lists.
"""

from __future__ import annotations

from clinic.choices import Role
from clinic.policy import define

ADMINISTER = define(
    "clinic.administer",
    {Role.ADMIN},
    "Use the admin site: users, roles, chairs, hours, closures and settings.",
)
