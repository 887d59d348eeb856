"""The clinic's Django admin: for the `admin` role only, no clinical free text, audited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from simple_history.admin import SimpleHistoryAdmin

from clinic import permissions, roles, second_factor, services
from clinic.access import AccessRule
from clinic.audit import audit_record
from clinic.choices import AccountType, AuditAction
from clinic.fields import ClinicDateField
from clinic.models import (
    Chair,
    ClinicSettings,
    Closure,
    OpeningHours,
    RoleRequest,
    RoleRequestStatus,
    StaffRole,
    User,
)
from clinic.policy import may


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"
    site_title = "Clinic administration"
    index_title = "Users, chairs, hours, closures and settings"
    access_rule = AccessRule(action=permissions.ADMINISTER)

    def has_permission(self, request: HttpRequest) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for the whole product (lockout and second factor live there).
        if request.user.is_authenticated:
            return redirect("home")
        return redirect(f"/login/?next={request.get_full_path()}")

    def logout(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect("logout") if request.method == "GET" else super().logout(request)

    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Any:
        wrapped = super().admin_view(view, cacheable)

        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                audit_record(action=AuditAction.DENIED, object_type="admin")
                return TemplateResponse(request, "403.html", status=403)
            response = wrapped(request, *args, **kwargs)
            if self.has_permission(request):
                audit_record(
                    action=AuditAction.VIEW if request.method == "GET" else AuditAction.UPDATE,
                    object_type="admin",
                    object_id=str(kwargs.get("object_id", ""))[:64],
                )
            return response

        audited.access_rule = self.access_rule  # type: ignore[attr-defined]
        audited.csrf_exempt = getattr(wrapped, "csrf_exempt", False)  # type: ignore[attr-defined]
        return audited


# The admin's own sign-in and sign-out hand over to the product's pages.
ClinicAdminSite.login.access_rule = AccessRule(public=True)  # type: ignore[attr-defined]
ClinicAdminSite.logout.access_rule = AccessRule(any_signed_in=True)  # type: ignore[attr-defined]

clinic_admin_site = ClinicAdminSite(name="admin")


class AdminRoleModelAdmin(admin.ModelAdmin):
    """Everything here is the admin role's to see and change; nothing is deleted."""

    # The browser's date picker (no ambiguous 08/12/2026), bounded like every form date.
    formfield_overrides = {
        models.DateField: {
            "form_class": ClinicDateField,
            "widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
    }

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Only the filters the page offers: Django would also allow any lookup on the
        # model's own fields (e.g. `?password__startswith=` reads a hash letter by letter).
        offered = {
            (item if isinstance(item, str) else item[0]).split("__")[0] for item in self.list_filter
        }
        if self.date_hierarchy:
            offered.add(self.date_hierarchy)
        return lookup.split("__")[0] in offered and not lookup.startswith("password")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may(request.user, permissions.ADMINISTER)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ClinicSettingsAdmin(AdminRoleModelAdmin, SimpleHistoryAdmin):
    fieldsets = [
        ("Clinic", {"fields": ["name", "time_zone", "phone", "email", "address", "paper_size"]}),
        (
            "Operations",
            {
                "fields": [
                    "nurse_capacity",
                    "invitation_valid_days",
                    "sms_quiet_start",
                    "sms_quiet_end",
                    "rems_certification_id",
                    "rems_certified_on",
                ]
            },
        ),
        (
            "Vital-sign alert limits",
            {
                "fields": [
                    ("bp_high_warning_systolic", "bp_high_warning_diastolic"),
                    ("bp_high_critical_systolic", "bp_high_critical_diastolic"),
                    ("bp_low_warning", "bp_low_critical"),
                    ("hr_high_warning", "hr_high_critical"),
                    ("hr_low_warning", "hr_low_critical"),
                    ("spo2_low_warning", "spo2_low_critical"),
                    ("rr_low_warning", "rr_low_critical"),
                    ("rr_high_warning", "rr_high_critical"),
                    "bp_rise_warning",
                ]
            },
        ),
        (
            "Pre-dose gate limits",
            {
                "fields": [
                    ("predose_bp_esketamine_systolic", "predose_bp_esketamine_diastolic"),
                    ("predose_bp_esketamine_65_systolic", "predose_bp_esketamine_65_diastolic"),
                    ("predose_bp_other_systolic", "predose_bp_other_diastolic"),
                    ("predose_hr_low", "predose_hr_high"),
                    "predose_spo2",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a single row, created on first use


class OpeningHoursAdmin(AdminRoleModelAdmin):
    list_display = ["weekday", "opens_at", "closes_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)  # deleting a weekday closes it


# Feature apps say what a closure would hit: each hook takes a date and returns one line
# per booked session that day (sessions registers its appointments in its AppConfig).
CLOSURE_CONFLICTS: list[Callable[[dt.date], list[str]]] = []


class ClosureForm(forms.ModelForm):
    confirm = forms.BooleanField(
        label="Close the clinic anyway: the sessions listed stay booked and must be moved",
        required=False,
    )

    class Meta:
        model = Closure
        fields = ["date", "reason"]
        field_classes = {"date": ClinicDateField}

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day < timezone.localdate() and (self.instance.pk is None or day != self.instance.date):
            raise forms.ValidationError(
                f"{day:%A %-d %B %Y} is in the past: a closure is for a day still to come."
            )
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        day = cleaned.get("date")
        if day and not cleaned.get("confirm"):
            booked = [line for hook in CLOSURE_CONFLICTS for line in hook(day)]
            if booked:
                self.add_error(
                    "confirm",
                    f"{len(booked)} session(s) are booked on {day:%A %-d %B %Y}: "
                    + "; ".join(booked)
                    + ". Tick the box to close anyway, then move them.",
                )
        return cleaned


class ClosureAdmin(AdminRoleModelAdmin):
    form = ClosureForm
    list_display = ["date", "reason"]
    date_hierarchy = "date"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, permissions.ADMINISTER)


class ChairAdmin(AdminRoleModelAdmin):
    list_display = ["name", "room", "is_active", "display_order"]
    list_editable = ["is_active", "display_order"]


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
        ]

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
        created = services.staff_create(
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
        services.password_link_send(user=created, actor=request.user)
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
            services.password_link_send(user=user, actor=request.user)
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


class ReadOnlyAdmin(AdminRoleModelAdmin):
    """Shown, never changed here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ClinicPeriodicTaskAdmin(ReadOnlyAdmin, PeriodicTaskAdmin):
    """The periodic tasks are defined in code (clinic/schedules.py) and written after every
    migrate: the admin sees them, but cannot switch off the nightly audit check or schedule
    a task with arguments of their choosing."""

    actions: list[str] = []


clinic_admin_site.register(ClinicSettings, ClinicSettingsAdmin)
clinic_admin_site.register(OpeningHours, OpeningHoursAdmin)
clinic_admin_site.register(Closure, ClosureAdmin)
clinic_admin_site.register(Chair, ChairAdmin)
clinic_admin_site.register(User, ClinicUserAdmin)
clinic_admin_site.register(PeriodicTask, ClinicPeriodicTaskAdmin)
clinic_admin_site.register(IntervalSchedule, ReadOnlyAdmin)
clinic_admin_site.register(CrontabSchedule, ReadOnlyAdmin)
clinic_admin_site.register(RoleRequest, RoleRequestAdmin)
