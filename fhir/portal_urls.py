"""The patient portal's download of their own record (`fhir.portal`), under `/my/`."""

from __future__ import annotations

from django.urls import path

from fhir import portal

urlpatterns = [
    path("my/record.fhir.json", portal.my_record_download, name="my_record_download"),
]
