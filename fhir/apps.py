from __future__ import annotations

from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "fhir"
    verbose_name = "FHIR R4 API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clinic.audit import declare_administrative
        from clinic.portal import PORTAL_PANELS, PortalPanel
        from clinic.schedules import Periodic, declare_periodic
        from fhir import permissions  # noqa: F401  (declares this app's actions)
        from fhir.portal import record_panel

        # The patient's own record as a FHIR file, offered on the portal's home page.
        PORTAL_PANELS.append(PortalPanel("fhir/portal_record.html", record_panel))

        # API clients and their token requests are the admin's to see in the audit log.
        declare_administrative("fhir.apiclient", "fhir.token")
        declare_periodic(
            Periodic(
                name="Delete expired FHIR exports",
                task="fhir.expire_exports",
                crontab={"minute": "41"},
                description="Hourly: delete the files of bulk exports past their 24 hours.",
            )
        )
