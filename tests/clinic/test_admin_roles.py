"""The admin role administers accounts but never reaches clinical content (security.md
§1; issue 14, 4): no role for oneself, a second admin approves every grant, no password
set by an admin, an account's type never changes, patients are not listed to the admin,
and every role change is an audit row naming the role and the person."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from clinic import roles
from clinic.choices import AccountType, Role
from clinic.models import AuditEvent, RoleRequest, StaffRole, User
from tests.conftest import sign_in
from tests.factories import RoleRequestFactory, StaffFactory


@pytest.fixture
def second_admin(personas) -> User:
    return StaffFactory(username="quinn", roles=[Role.ADMIN])


def _change_form_data(client: Client, user: User) -> dict:
    page = client.get(reverse("admin:clinic_user_change", args=[user.pk]))
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    # As a browser posts a group of checkboxes (the locations): the ticked ones' ids.
    data |= {
        name: [getattr(value, "pk", value) for value in initial]
        for name, initial in form.initial.items()
        if isinstance(initial, list)
    }
    data["is_active"] = "on"
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    return data


def test_an_admin_cannot_give_themselves_a_clinical_role(personas) -> None:
    admin = sign_in(Client(), personas.admin)
    data = _change_form_data(admin, personas.admin)
    # A forged inline row adding "psychiatrist" to one's own account is ignored.
    data.update(
        {
            "staff_roles-TOTAL_FORMS": "2",
            "staff_roles-1-role": Role.PSYCHIATRIST,
            "staff_roles-1-user": personas.admin.pk,
        }
    )
    admin.post(reverse("admin:clinic_user_change", args=[personas.admin.pk]), data)
    assert not StaffRole.objects.filter(user=personas.admin, role=Role.PSYCHIATRIST).exists()

    page = admin.post(
        reverse("admin:clinic_rolerequest_add"),
        {"user": personas.admin.pk, "role": Role.PSYCHIATRIST, "reason": "cover"},
    )
    assert page.status_code == 200  # the form again, with the error
    assert "Select a valid choice" in page.content.decode()
    with pytest.raises(ValidationError, match="themselves"):
        roles.role_request_create(actor=personas.admin, user=personas.admin, role=Role.NURSE)
    assert not RoleRequest.objects.exists()


def test_a_second_admin_approves_a_role_and_it_is_audited(personas, second_admin) -> None:
    first = sign_in(Client(), personas.admin)
    asked = first.post(
        reverse("admin:clinic_rolerequest_add"),
        {"user": personas.therapist.pk, "role": Role.PSYCHIATRIST, "reason": "New MD"},
    )
    assert asked.status_code == 302
    request = RoleRequest.objects.get()
    # The admin who asked cannot approve.
    own = first.post(
        reverse("admin:clinic_rolerequest_changelist"),
        {"action": "approve", "_selected_action": [request.pk]},
        follow=True,
    )
    assert "A second admin decides" in own.content.decode()
    assert not personas.therapist.staff_roles.filter(role=Role.PSYCHIATRIST).exists()

    second = sign_in(Client(), second_admin)
    second.post(
        reverse("admin:clinic_rolerequest_changelist"),
        {"action": "approve", "_selected_action": [request.pk]},
    )
    assert personas.therapist.staff_roles.filter(role=Role.PSYCHIATRIST).exists()
    granted = AuditEvent.objects.get(action="role_granted")
    assert granted.user == second_admin
    assert granted.object_type == "clinic.staffrole:psychiatrist"
    assert granted.object_id == f"{personas.therapist.pk}:{personas.therapist.username}"
    assert AuditEvent.objects.filter(action="role_requested", user=personas.admin).exists()


def test_the_database_refuses_a_self_approved_request(personas) -> None:
    request = RoleRequestFactory(
        user=personas.nurse, role=Role.PSYCHIATRIST, requested_by=personas.admin
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        RoleRequest.objects.filter(pk=request.pk).update(decided_by=personas.admin)
    with pytest.raises(DatabaseError), transaction.atomic():
        RoleRequestFactory(user=personas.admin, role=Role.NURSE, requested_by=personas.admin)


def test_removing_a_role_is_audited(personas) -> None:
    admin = sign_in(Client(), personas.admin)
    data = _change_form_data(admin, personas.nurse)
    role = personas.nurse.staff_roles.get()
    data.update({"staff_roles-0-id": role.pk, "staff_roles-0-user": personas.nurse.pk})
    data["staff_roles-0-DELETE"] = "on"
    response = admin.post(reverse("admin:clinic_user_change", args=[personas.nurse.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not personas.nurse.staff_roles.exists()
    removed = AuditEvent.objects.get(action="role_revoked")
    assert removed.object_type == "clinic.staffrole:nurse"


def test_patient_accounts_are_not_listed_to_the_admin(personas) -> None:
    admin = sign_in(Client(), personas.admin)
    listing = admin.get(reverse("admin:clinic_user_changelist")).content.decode()
    assert personas.nurse.username in listing
    assert personas.patient_a.user.username not in listing
    assert personas.patient_a.user.email not in listing
    patient_user = personas.patient_a.user
    change = admin.get(reverse("admin:clinic_user_change", args=[patient_user.pk]))
    assert change.status_code in (302, 404)
    audit_filter = admin.get(reverse("audit_log")).content.decode()
    assert patient_user.username not in audit_filter


def test_an_admin_never_sets_a_password(personas, django_capture_on_commit_callbacks) -> None:
    admin = sign_in(Client(), personas.admin)
    for target in (personas.nurse, personas.patient_a.user):
        url = f"/clinic-admin/clinic/user/{target.pk}/password/"
        response = admin.post(url, {"password1": "taken-over-123!", "password2": "taken-over-123!"})
        assert response.status_code in (302, 404)
        target.refresh_from_db()
        assert not target.check_password("taken-over-123!")
    # The admin's way: a link to the person's own address (it leaves after the commit).
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("admin:clinic_user_changelist"),
            {"action": "send_password_link", "_selected_action": [personas.nurse.pk]},
        )
    assert mail.outbox[-1].to == [personas.nurse.email]


def test_an_account_type_never_changes(personas) -> None:
    patient_user = User.objects.get(pk=personas.patient_a.user.pk)
    patient_user.account_type = AccountType.STAFF
    with pytest.raises(ValidationError, match="never changes"):
        patient_user.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        User.objects.filter(pk=patient_user.pk).update(account_type=AccountType.STAFF)
    assert User.objects.get(pk=patient_user.pk).account_type == AccountType.PATIENT


def test_a_new_staff_account_gets_a_password_link_and_no_role(
    personas, django_capture_on_commit_callbacks
) -> None:
    admin = sign_in(Client(), personas.admin)
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        response = admin.post(
            reverse("admin:clinic_user_add"),
            {
                "username": "newnurse",
                "first_name": "Nia",
                "last_name": "Okafor",
                "email": "nia@clinic.example",
                "display_title": "",
                "credentials": "RN",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(username="newnurse")
    assert created.account_type == AccountType.STAFF
    assert not created.staff_roles.exists()
    assert mail.outbox[-1].to == ["nia@clinic.example"]


def test_periodic_tasks_are_read_only_in_the_admin(personas) -> None:
    from django_celery_beat.models import PeriodicTask

    admin = sign_in(Client(), personas.admin)
    task = PeriodicTask.objects.first()
    assert task is not None
    change_url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    page = admin.get(change_url)
    assert page.status_code == 200
    assert 'name="enabled"' not in page.content.decode()
    admin.post(change_url, {"name": task.name, "task": task.task, "enabled": ""})
    task.refresh_from_db()
    assert task.enabled
    assert admin.get(reverse("admin:django_celery_beat_periodictask_add")).status_code == 403


def test_grant_role_on_the_server_is_audited(personas) -> None:
    call_command("grant_role", personas.therapist.username, Role.COORDINATOR, stdout=None)
    assert personas.therapist.staff_roles.filter(role=Role.COORDINATOR).exists()
    row = AuditEvent.objects.get(action="role_granted")
    assert row.user is None
    assert row.object_type == "clinic.staffrole:coordinator"


def test_the_admin_cannot_filter_users_by_their_password_hash(personas) -> None:
    admin = sign_in(Client(), personas.admin)
    url = reverse("admin:clinic_user_changelist")
    assert admin.get(url + "?password__startswith=pbkdf2").status_code == 400
    assert admin.get(url + "?is_active__exact=1").status_code == 200


def test_a_staff_members_address_cannot_be_redirected_by_an_admin(personas) -> None:
    admin = sign_in(Client(), personas.admin)
    data = _change_form_data(admin, personas.nurse)
    data["email"] = "attacker@evil.example"
    admin.post(reverse("admin:clinic_user_change", args=[personas.nurse.pk]), data)
    personas.nurse.refresh_from_db()
    assert personas.nurse.email != "attacker@evil.example"
    call_command("set_staff_email", personas.nurse.username, "james.new@clinic.example")
    personas.nurse.refresh_from_db()
    assert personas.nurse.email == "james.new@clinic.example"
    assert AuditEvent.objects.filter(object_type="clinic.user.email").exists()


def test_the_second_admin_sees_whose_address_and_how_new_the_account_is(
    personas, second_admin
) -> None:
    roles.role_request_create(actor=personas.admin, user=personas.therapist, role=Role.NURSE)
    page = sign_in(Client(), second_admin).get(reverse("admin:clinic_rolerequest_changelist"))
    html = page.content.decode()
    assert personas.therapist.email in html
    assert "Signed in" in html


def test_a_failed_sign_in_with_a_patients_address_is_not_shown_to_the_admin(
    client, personas
) -> None:
    patient_address = personas.patient_a.user.username
    client.post(reverse("login"), {"username": patient_address, "password": "wrong-one"})
    client.post(reverse("login"), {"username": personas.nurse.username, "password": "wrong"})
    page = sign_in(Client(), personas.admin).get(reverse("audit_log")).content.decode()
    assert patient_address not in page
    assert f"login #{personas.nurse.username}" in page


def test_a_new_staff_username_cannot_probe_for_patient_logins(personas) -> None:
    admin = sign_in(Client(), personas.admin)
    for probe in (personas.patient_a.user.username + "@patients.example", "KC-000001"):
        page = admin.post(
            reverse("admin:clinic_user_add"),
            {"username": probe, "first_name": "X", "last_name": "Y", "email": "x@clinic.example"},
        )
        html = page.content.decode()
        assert "Staff usernames have no @" in html
        assert "already exists" not in html
