"""A management command's audit rows name the command (clinic.management.base)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from clinic.choices import Role
from clinic.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_grant_role_writes_its_row_under_its_name(personas) -> None:
    call_command("grant_role", personas.nurse.username, Role.COORDINATOR, stdout=None)
    row = AuditEvent.objects.filter(object_type=f"clinic.staffrole:{Role.COORDINATOR}").latest("id")
    assert row.path == "command:grant_role"
    assert row.user is None


def test_set_staff_email_writes_its_row_under_its_name(personas) -> None:
    call_command("set_staff_email", personas.nurse.username, "james.new@clinic.example")
    row = AuditEvent.objects.filter(object_type="clinic.user.email").latest("id")
    assert row.path == "command:set_staff_email"
    personas.nurse.refresh_from_db()
    assert personas.nurse.email == "james.new@clinic.example"
