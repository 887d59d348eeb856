"""The clinic's Django admin: for the `admin` role only, no clinical free text, audited.

One module per concept: the site and its base model admin (`site`), the clinic itself
(`clinic_setup`: settings, hours, closures, chairs, periodic tasks) and staff accounts
(`accounts`: users, roles, sign-in help). Feature apps register their models on
`clinic_admin_site` with `AdminRoleModelAdmin` and add closure checks to
`CLOSURE_CONFLICTS`.
"""

from __future__ import annotations

from clinic.admin import accounts, clinic_setup  # noqa: F401 (registers the models)
from clinic.admin.clinic_setup import CLOSURE_CONFLICTS
from clinic.admin.site import AdminRoleModelAdmin, ClinicAdminSite, ReadOnlyAdmin, clinic_admin_site

__all__ = [
    "CLOSURE_CONFLICTS",
    "AdminRoleModelAdmin",
    "ClinicAdminSite",
    "ReadOnlyAdmin",
    "clinic_admin_site",
]
