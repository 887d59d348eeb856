"""The admin's record of bulk exports: who asked, when, which types, how many resources
and patients, and what became of it — read-only, and the admin's only."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize

from fhir.bulk.models import ExportStatus
from tests.conftest import sign_in
from tests.factories import ApiClientFactory, ExportJobFactory


def test_the_admin_lists_every_export_read_only(personas) -> None:
    registry = ApiClientFactory(name="State registry")
    done = ExportJobFactory(
        client=registry, types="Patient Observation", counts={"Patient": 12, "Observation": 340},
        patient_count=12,
    )  # fmt: skip
    ExportJobFactory(client=None, user=personas.nurse, status=ExportStatus.FAILED, counts={})
    admin = sign_in(Client(), personas.admin)

    page = admin.get(reverse("admin:fhir_exportjob_changelist"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "API client State registry" in html
    assert "Patient Observation" in html and ">352<" in html and "12 patients" in html
    assert f"files until {localize(timezone.localtime(done.expires_at))}" in html
    assert "System level" in html
    assert str(personas.nurse) in html and "Failed" in html
    assert admin.get(reverse("admin:fhir_exportjob_add")).status_code == 403
    job = ExportJobFactory(client=registry)
    change = reverse("admin:fhir_exportjob_change", args=[job.pk])
    shown = admin.get(change)
    assert shown.status_code == 200 and 'name="status"' not in shown.content.decode()


def test_no_other_role_sees_the_exports(personas) -> None:
    url = reverse("admin:fhir_exportjob_changelist")
    for persona in (personas.nurse, personas.psychiatrist, personas.coordinator):
        assert sign_in(Client(), persona).get(url).status_code in (302, 403)
