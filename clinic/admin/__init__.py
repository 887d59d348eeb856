"""The clinic's Django admin: for the `admin` role only, no clinical free text, audited.

One module per concept: the site and its base model admin (`site`), the clinic itself
(`clinic_setup`: settings, hours, closures, chairs, periodic tasks) and staff accounts
(`accounts`: users, roles, sign-in help). Feature apps register their models on
`clinic_admin_site` with `AdminRoleModelAdmin`, add closure checks to
`CLOSURE_CONFLICTS`, and add their per-clinic settings to the clinic settings page
through `CLINIC_SETTINGS_PARTS`.
"""

from __future__ import annotations

from clinic.admin import accounts, clinic_setup  # noqa: F401 (registers the models)
from clinic.admin.clinic_setup import CLINIC_SETTINGS_PARTS, CLOSURE_CONFLICTS, ClinicSettingsPart
from clinic.admin.site import AdminRoleModelAdmin, ClinicAdminSite, ReadOnlyAdmin, clinic_admin_site

__all__ = [
    "CLINIC_SETTINGS_PARTS",
    "CLOSURE_CONFLICTS",
    "AdminRoleModelAdmin",
    "ClinicAdminSite",
    "ClinicSettingsPart",
    "ReadOnlyAdmin",
    "clinic_admin_site",
]
