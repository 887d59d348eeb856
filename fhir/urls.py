"""`/fhir/r4/`: the CapabilityStatement, the token endpoint and the SMART configuration,
then a search and a read URL per served resource."""

from __future__ import annotations

from django.urls import path, re_path

from fhir import views
from fhir.access import not_served
from fhir.bulk import views as bulk_views
from fhir.clients import views as client_views
from fhir.registry import RESOURCES

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("auth/token", client_views.token, name="token"),
    path(
        ".well-known/smart-configuration",
        client_views.smart_configuration,
        name="smart-configuration",
    ),
    path(
        "Patient/<str:resource_id>/$everything",
        views.patient_everything_view,
        name="Patient-everything",
    ),
    # Bulk Data Access (fhir.bulk): kick-off, status and manifest, files.
    path("$export", bulk_views.system_export, name="export"),
    path("Patient/$export", bulk_views.patient_export, name="Patient-export"),
    path("$export-status/<uuid:job_id>", bulk_views.export_status, name="export-status"),
    path(
        "$export-file/<uuid:job_id>/<str:file_name>",
        bulk_views.export_file,
        name="export-file",
    ),
]
for served in RESOURCES:
    urlpatterns += [
        path(served.type, views.search_view(served), name=f"{served.type}-search"),
        path(
            f"{served.type}/_search",
            views.search_view(served, method="POST"),
            name=f"{served.type}-post-search",
        ),
        path(
            f"{served.type}/<str:resource_id>",
            views.read_view(served),
            name=f"{served.type}-read",
        ),
    ]

# Last: any other URL under the base is a 404 OperationOutcome, not the site's HTML page.
urlpatterns.append(re_path(r"^(?P<rest>.*)$", not_served, name="not-served"))
