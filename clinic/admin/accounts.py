"""Staff accounts in the admin: the users, their roles (asked for by one admin, decided
by another) and the links that help them sign in."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from clinic import permissions, roles, second_factor
from clinic.admin.site import AdminRoleModelAdmin, clinic_admin_site
from clinic.choices import AccountType
from clinic.models import (
    RoleRequest,
    RoleRequestStatus,
    StaffRole,
    User,
)
from clinic.policy import may
from clinic.services import accounts


class StaffRoleInline(admin.TabularInline):
    """Roles held, shown read-only: a role is given through a role request that a second
    admin approves; ticking "Delete" removes one (audited)."""

    model = StaffRole
    extra = 0
    fields = ["role", "granted_at"]
    readonly_fields = ["role", "granted_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)


PATIENT_RECORD_NUMBER = re.compile(r"^KC-\d+$", re.IGNORECASE)


class StaffAccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "display_title",
            "first_name",
            "last_name",
            "credentials",
            "email",
            "is_active",
            "locations",
        ]
        widgets = {"locations": forms.CheckboxSelectMultiple}

    def clean_username(self) -> str:
        # Patients sign in with their e-mail address or record number: a staff username
        # never looks like either, so "already exists" can never tell an admin that some
        # address belongs to a patient.
        username = self.cleaned_data["username"]
        if "@" in username or PATIENT_RECORD_NUMBER.match(username):
            raise forms.ValidationError(
                "Staff usernames have no @ and are not record numbers, e.g. “jcarter”."
            )
        return username

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "email" in self.fields:
            self.fields["email"].required = True
            self.fields["email"].help_text = (
                "The person's own work address: their password and authenticator set-up "
                "links go there, and nowhere else."
            )


class ClinicUserAdmin(AdminRoleModelAdmin):
    """Staff accounts only. Patient logins are not listed here at all, nobody sets
    anyone's password here (a link goes to the person's own address), an account's type
    never changes, and roles come from role requests a second admin approves."""

    form = StaffAccountForm
    list_display = ["username", "display_name", "roles", "is_active", "last_login"]
    list_filter = ["is_active", "staff_roles__role"]
    search_fields = ["username", "first_name", "last_name"]
    inlines = [StaffRoleInline]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["send_password_link", "send_authenticator_link", "reset_authenticator"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        person = ["display_title", "first_name", "last_name", "credentials", "email"]
        if obj is None:
            return [(None, {"fields": ["username", *person]})]
        return [
            (None, {"fields": ["username"]}),
            ("Person", {"fields": person}),
            ("Locations", {"fields": ["locations"]}),
            ("Status", {"fields": ["is_active", "last_login", "date_joined"]}),
        ]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(self.readonly_fields)
        if obj is not None:
            # The address is where the person's password and authenticator links go:
            # once the account exists, no admin can redirect them (a wrong address is
            # corrected on the server with `manage.py set_staff_email`).
            fields.append("email")
        return fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .filter(account_type=AccountType.STAFF)
            .prefetch_related("staff_roles")
        )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = accounts.staff_create(
            username=obj.username,
            password=None,
            first_name=obj.first_name,
            last_name=obj.last_name,
            email=obj.email,
            roles=[],
            display_title=obj.display_title,
            credentials=obj.credentials,
        )
        obj.pk = created.pk
        accounts.password_link_send(user=created, actor=request.user)
        self.message_user(
            request,
            f"A link to choose a password went to {obj.email}. Ask for roles with "
            "“Role requests”: a second admin approves them.",
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is StaffRole:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for deleted in formset.deleted_forms:
                if deleted.instance.pk:
                    roles.staff_role_revoke(actor=request.user, staff_role=deleted.instance)
                    formset.deleted_objects.append(deleted.instance)
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description="E-mail a link to choose a new password")
    def send_password_link(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            accounts.password_link_send(user=user, actor=request.user)
        self.message_user(request, f"Password link sent to {queryset.count()} account(s).")

    @admin.action(description="E-mail an authenticator set-up link")
    def send_authenticator_link(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, second_factor.enrollment_link_send, "Set-up link sent")

    @admin.action(description="Reset authenticator app (a set-up link goes to their address)")
    def reset_authenticator(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, second_factor.authenticator_reset, "Authenticator reset")

    def _each(self, request: HttpRequest, queryset: Any, service: Any, done: str) -> None:
        count = 0
        for user in queryset:
            try:
                service(user=user, actor=request.user)
                count += 1
            except ValidationError as error:
                self.message_user(request, f"{user}: {error.messages[0]}", level=messages.ERROR)
        self.message_user(request, f"{done} for {count} account(s).")

    @admin.display(description="Roles")
    def roles(self, user: User) -> str:
        return ", ".join(role.get_role_display() for role in user.staff_roles.all())


class RoleRequestForm(forms.ModelForm):
    class Meta:
        model = RoleRequest
        fields = ["user", "role", "reason"]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["user"].queryset = User.objects.filter(
            account_type=AccountType.STAFF, is_active=True
        ).exclude(pk=actor.pk)
        self.fields["user"].label = "Staff member"

    def _post_clean(self) -> None:
        super()._post_clean()
        user, role = self.cleaned_data.get("user"), self.cleaned_data.get("role")
        if user and role and StaffRole.objects.filter(user=user, role=role).exists():
            self.add_error("role", f"{user} already holds this role.")
        if (
            user
            and role
            and RoleRequest.objects.filter(
                user=user, role=role, status=RoleRequestStatus.PENDING
            ).exists()
        ):
            self.add_error("role", "This role is already waiting for a decision.")


class RoleRequestAdmin(AdminRoleModelAdmin):
    """One admin asks for a role, another approves or refuses it."""

    list_display = [
        "user",
        "role",
        "status",
        "user_email",
        "account_created",
        "ever_signed_in",
        "requested_by",
    ]
    list_filter = ["status", "role"]
    actions = ["approve", "refuse"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, form=RoleRequestForm, **kwargs)
        actor = request.user

        class BoundRoleRequestForm(base):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **form_kwargs: Any) -> None:
                super().__init__(*args, actor=actor, **form_kwargs)

        return BoundRoleRequestForm

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("user", "requested_by", "decided_by")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # What the second admin checks before approving: whose address, how new the account.
    @admin.display(description="E-mail")
    def user_email(self, role_request: RoleRequest) -> str:
        return role_request.user.email

    @admin.display(description="Account created")
    def account_created(self, role_request: RoleRequest) -> Any:
        return timezone.localdate(role_request.user.date_joined)

    @admin.display(description="Signed in", boolean=True)
    def ever_signed_in(self, role_request: RoleRequest) -> bool:
        return role_request.user.last_login is not None

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        return form.instance  # written by the service in save_model, never by the form

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = roles.role_request_create(
            actor=request.user,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            reason=form.cleaned_data.get("reason", ""),
        )
        obj.pk = saved.pk

    @admin.action(description="Approve (the role is given)")
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Refuse")
    def refuse(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, approve=False)

    def _decide(self, request: HttpRequest, queryset: Any, *, approve: bool) -> None:
        for role_request in queryset:
            try:
                roles.role_request_decide(
                    actor=request.user, role_request=role_request, approve=approve
                )
            except ValidationError as error:
                self.message_user(
                    request, f"{role_request}: {error.messages[0]}", level=messages.ERROR
                )
            else:
                verdict = "approved" if approve else "refused"
                self.message_user(request, f"{role_request}: {verdict}.")


clinic_admin_site.register(User, ClinicUserAdmin)
clinic_admin_site.register(RoleRequest, RoleRequestAdmin)
