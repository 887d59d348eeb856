"""The audit trail: a row per view/change of patient data, append-only, hash-chained."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from clinic.audit import audit_record, verify_chain
from clinic.models import AuditEvent
from clinic.tasks import verify_audit_chain


def test_opening_a_chart_writes_one_view_row_naming_user_role_patient_and_request(
    login, personas
) -> None:
    client = login(personas.psychiatrist)
    before = AuditEvent.objects.count()
    response = client.get(
        reverse("patient_detail", args=[personas.patient_a.pk]), REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 200
    rows = list(AuditEvent.objects.filter(id__gt=0).order_by("id"))[before:]
    assert len(rows) == 1
    row = rows[0]
    assert (row.user, row.role, row.patient, row.action) == (
        personas.psychiatrist,
        "psychiatrist",
        personas.patient_a,
        "view",
    )
    assert row.ip_address == "198.51.100.7"
    assert row.request_id == response["X-Request-ID"]
    assert row.object_type == "clinic.patient"


def test_a_denied_chart_is_audited_as_denied(login, personas) -> None:
    client = login(personas.other_therapist)
    response = client.get(reverse("patient_detail", args=[personas.patient_a.pk]))
    assert response.status_code == 404
    row = AuditEvent.objects.order_by("-id").first()
    assert (row.action, row.patient, row.user) == (
        "denied",
        personas.patient_a,
        personas.other_therapist,
    )


def test_editing_details_is_audited_as_an_update(login, personas) -> None:
    client = login(personas.coordinator)
    patient = personas.patient_a
    data = {
        "legal_first_name": patient.legal_first_name,
        "legal_last_name": patient.legal_last_name,
        "preferred_name": "Ally",
        "date_of_birth": patient.date_of_birth.isoformat(),
        "email": patient.email,
        "phone": patient.phone,
        "reminder_channel": "email",
    }
    assert client.post(reverse("patient_edit", args=[patient.pk]), data).status_code == 302
    assert AuditEvent.objects.filter(action="update", patient=patient).exists()
    assert patient.history.count() == 2  # field history keeps the old and the new version
    assert patient.history.first().preferred_name == "Ally"


def test_the_orm_refuses_to_change_or_delete_audit_rows(personas) -> None:
    row = audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=row.pk).update(action="update")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def _require_postgresql() -> None:
    assert connection.vendor == "postgresql", "CI runs this against PostgreSQL (DATABASE_URL)"


def test_postgresql_itself_rejects_update_and_delete_of_audit_rows(personas) -> None:
    _require_postgresql()
    row = audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    for statement in (
        "UPDATE clinic_auditevent SET action = 'update' WHERE id = %s",
        "DELETE FROM clinic_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [row.pk])
    assert AuditEvent.objects.get(pk=row.pk).action == "view"


def test_each_row_carries_the_hash_of_the_row_before(personas) -> None:
    first = audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    second = audit_record(action="view", user=personas.nurse, patient=personas.patient_b)
    assert second.previous_hash == first.row_hash
    assert verify_chain(AuditEvent.objects.order_by("id")).ok


def test_verify_audit_finds_a_row_changed_behind_the_applications_back(personas, capsys):
    _require_postgresql()
    audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    target = audit_record(action="view", user=personas.nurse, patient=personas.patient_b)
    audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out

    with connection.cursor() as cursor:  # what an attacker with table rights might do
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE clinic_auditevent DISABLE TRIGGER clinic_auditevent_append_only"
        )
        cursor.execute("UPDATE clinic_auditevent SET patient_id = NULL WHERE id = %s", [target.pk])
        cursor.execute("ALTER TABLE clinic_auditevent ENABLE TRIGGER clinic_auditevent_append_only")
    with pytest.raises(CommandError, match=f"broken at row {target.pk}"):
        call_command("verify_audit")
    assert verify_audit_chain()["first_broken_id"] == target.pk


def test_verify_audit_finds_a_removed_row(personas) -> None:
    _require_postgresql()
    audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    removed = audit_record(action="view", user=personas.nurse, patient=personas.patient_b)
    after = audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE clinic_auditevent DISABLE TRIGGER clinic_auditevent_append_only"
        )
        cursor.execute("DELETE FROM clinic_auditevent WHERE id = %s", [removed.pk])
        cursor.execute("ALTER TABLE clinic_auditevent ENABLE TRIGGER clinic_auditevent_append_only")
    result = verify_chain(AuditEvent.objects.order_by("id"))
    assert result.first_broken_id == after.pk
    assert result.problem == "does not link to the row before it"


def test_admin_filters_the_audit_log_by_patient_user_and_action(login, personas) -> None:
    audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    audit_record(action="view", user=personas.psychiatrist, patient=personas.patient_b)
    audit_record(action="denied", user=personas.nurse, patient=personas.patient_b)
    client = login(personas.admin)
    page = client.get(
        reverse("audit_log"), {"patient": personas.patient_b.mrn.lower(), "action": "denied"}
    )
    rows = page.context["page"].object_list
    assert [(row.user, row.action) for row in rows] == [(personas.nurse, "denied")]
    by_user = client.get(reverse("audit_log"), {"user": personas.psychiatrist.pk})
    assert {row.user for row in by_user.context["page"].object_list} == {personas.psychiatrist}


def test_audit_log_date_range_error_is_shown_next_to_the_field(login, personas) -> None:
    client = login(personas.admin)
    page = client.get(reverse("audit_log"), {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert page.status_code == 200
    assert "The end date is before the start date." in page.content.decode()
    bad = client.get(reverse("audit_log"), {"date_from": "not-a-date", "patient": "x"})
    assert bad.status_code == 200
    assert "Enter a valid date." in bad.content.decode()


def test_a_denied_record_is_audited_with_its_patient_and_its_own_id(personas, login) -> None:
    from django.urls import reverse

    from clinic.models import AuditEvent
    from tests.clinic.test_access_matrix import _session_of

    session = _session_of(personas)
    response = login(personas.coordinator).get(reverse("session_record", args=[session.pk]))
    assert response.status_code in (403, 404)
    denied = login(personas.other_therapist).get(reverse("session_record", args=[session.pk]))
    assert denied.status_code == 404
    row = AuditEvent.objects.filter(action="denied").latest("id")
    assert row.patient_id == personas.patient_a.pk
    assert row.object_type == "treatment_sessions.session" and row.object_id == str(session.pk)
