"""Where the work came from reaches every audit row without passing the request around:
a request's rows carry its IP, id and path; a Celery task's carry the task id and name;
a management command's carry the command; code outside all three carries none."""

from __future__ import annotations

import pytest
from celery import shared_task
from django.urls import reverse

from clinic.audit import audit_record
from clinic.choices import AuditAction
from clinic.context import command_context, current, work_context
from clinic.models import AuditEvent

pytestmark = pytest.mark.django_db


@shared_task(name="tests.write_one_audit_row")
def write_one_audit_row() -> int:
    return audit_record(action=AuditAction.EXPORT, object_type="test.task").pk


def test_a_task_writes_its_rows_under_its_own_id_and_name(personas) -> None:
    result = write_one_audit_row.apply()
    row = AuditEvent.objects.get(pk=result.get())
    assert row.request_id == result.id
    assert row.path == "task:tests.write_one_audit_row"
    assert row.user is None and row.ip_address is None


def test_a_command_writes_its_rows_under_its_name(personas) -> None:
    with command_context("grant_role"):
        row = audit_record(action=AuditAction.UPDATE, user=personas.admin, object_type="t")
    assert row.path == "command:grant_role" and row.request_id == ""


def test_code_outside_any_context_writes_no_origin(personas) -> None:
    row = audit_record(action=AuditAction.UPDATE, user=personas.admin, object_type="t")
    assert (row.ip_address, row.request_id, row.path) == (None, "", "")
    assert current().source == "code"


def test_a_request_s_rows_carry_its_ip_id_path_and_user(personas, login) -> None:
    client = login(personas.coordinator)
    response = client.get(reverse("patient_detail", args=[personas.patient_a.pk]))
    row = AuditEvent.objects.filter(action="view").latest("id")
    assert row.request_id == response["X-Request-ID"]
    assert row.path == reverse("patient_detail", args=[personas.patient_a.pk])
    assert row.ip_address == "127.0.0.1"
    assert row.user == personas.coordinator


def test_contexts_nest_and_restore(personas) -> None:
    with work_context(source="web", path="/outer/"):
        with work_context(source="task", path="task:inner"):
            assert current().path == "task:inner"
        assert current().path == "/outer/"
    assert current().source == "code"


@shared_task(name="tests.fail_after_one_audit_row")
def fail_after_one_audit_row() -> None:
    audit_record(action=AuditAction.EXPORT, object_type="test.task")
    raise RuntimeError("the task fails")


@shared_task(name="tests.run_a_task_inside_a_task")
def run_a_task_inside_a_task() -> list[str]:
    inner = write_one_audit_row.apply()
    return [current().path, AuditEvent.objects.get(pk=inner.get()).path]


def test_an_eager_task_hands_the_request_s_context_back_intact(personas) -> None:
    with work_context(source="web", path="/outer/", request_id="outer-id") as outer:
        result = write_one_audit_row.apply()
        assert current() is outer
        assert (current().path, current().request_id) == ("/outer/", "outer-id")
    assert AuditEvent.objects.get(pk=result.get()).path == "task:tests.write_one_audit_row"
    assert current().source == "code"


def test_a_failing_task_closes_its_context_too(personas) -> None:
    with work_context(source="web", path="/outer/") as outer:
        result = fail_after_one_audit_row.apply()
        assert result.failed()
        assert current() is outer
    row = AuditEvent.objects.filter(object_type="test.task").latest("id")
    assert row.path == "task:tests.fail_after_one_audit_row" and row.request_id == result.id


def test_a_task_run_inside_a_task_restores_the_outer_task_s_context(personas) -> None:
    with work_context(source="web", path="/outer/") as outer:
        result = run_a_task_inside_a_task.apply()
        assert current() is outer
    assert result.get() == ["task:tests.run_a_task_inside_a_task", "task:tests.write_one_audit_row"]
    from clinic.celery import _task_context_tokens

    assert _task_context_tokens == {}
