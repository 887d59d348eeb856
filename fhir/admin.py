"""API clients in the clinic's admin (admin role only): register one (its secret shown
once), revoke it, give it a new secret. A client's patient is named by record number, so
the admin never browses a list of patients' names. The bulk exports are listed read-only:
who asked, when, which types, how many resources and patients, and what became of it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html

from clinic.admin import AdminRoleModelAdmin, clinic_admin_site
from clinic.models import Patient
from fhir.bulk.models import ExportStatus
from fhir.clients.scopes import ScopeError, parse_scopes
from fhir.clients.services import (
    api_client_new_secret,
    api_client_register,
    api_client_revoke,
    known_types,
)
from fhir.models import ApiClient, ExportJob

_REGISTERED = ["name", "scopes", "notes", "location", "rate_per_minute", "expires_at"]
NOTES_WARNING = (
    "Integration-therapy notes are psychotherapy notes: HIPAA protects them more than the "
    "rest of the record (45 CFR 164.508(a)(2)), and most disclosures need the patient's "
    "own written authorization for that purpose. Turn this on only for a system that must "
    "receive them and may lawfully do so (e.g. the clinic's own EHR). Only signed notes "
    "are ever sent, and only with system/DocumentReference.read in the scopes."
)


class ApiClientForm(forms.ModelForm):
    patient_mrn = forms.CharField(
        label="Only the patient with record number",
        required=False,
        max_length=20,
        help_text="Leave empty for every patient (within the location, if one is chosen).",
    )

    notes_confirmed = forms.BooleanField(
        label="I have checked that this system may receive psychotherapy notes",
        required=False,
    )

    class Meta:
        model = ApiClient
        fields = _REGISTERED

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.patient_id:
            self.initial["patient_mrn"] = self.instance.patient.mrn
        self.fields["notes"].help_text = NOTES_WARNING
        self.initial.setdefault("notes_confirmed", self.instance.notes)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("notes") and not data.get("notes_confirmed"):
            self.add_error(
                "notes_confirmed",
                "Tick this to confirm, or leave notes off: psychotherapy notes need it.",
            )
        return data

    def clean_scopes(self) -> str:
        try:
            return " ".join(parse_scopes(self.cleaned_data["scopes"], known_types()))
        except ScopeError as refused:
            raise forms.ValidationError(str(refused)) from None

    def clean_patient_mrn(self) -> Patient | None:
        mrn = self.cleaned_data["patient_mrn"].strip()
        if not mrn:
            return None
        patient = Patient.objects.filter(mrn=mrn).first()
        if patient is None:
            raise forms.ValidationError(f"No patient has the record number “{mrn}”.")
        return patient

    def save(self, commit: bool = True) -> ApiClient:
        self.instance.patient = self.cleaned_data["patient_mrn"]
        return super().save(commit)


class ApiClientAdmin(AdminRoleModelAdmin):
    form = ApiClientForm
    list_display = ["name", "client_id", "scopes", "expires_at", "is_active", "revoked_at"]
    list_filter = ["is_active"]
    readonly_fields = ["client_id", "is_active", "revoked_at", "created_by", "created_at"]
    actions = ["revoke", "new_secret"]
    fieldsets = [
        (None, {"fields": ["name", "client_id", "scopes"]}),
        ("Integration-therapy notes", {"fields": ["notes", "notes_confirmed"]}),
        ("Restrictions", {"fields": ["patient_mrn", "location", "rate_per_minute", "expires_at"]}),
        ("State", {"fields": ["is_active", "revoked_at", "created_by", "created_at"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self.fieldsets if obj is not None else self.fieldsets[:3]

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        client, secret = api_client_register(
            actor=request.user,
            patient=data["patient_mrn"],
            **{field: data[field] for field in _REGISTERED},
        )
        obj.pk, obj.client_id, obj._state.adding = client.pk, client.client_id, False
        request.fhir_client_secret = secret  # type: ignore[attr-defined]  # this answer only

    def response_add(self, request: HttpRequest, obj: ApiClient, post_url: Any = None) -> Any:
        return _secret_page(request, obj, request.fhir_client_secret)  # type: ignore[attr-defined]

    @admin.action(description="Revoke the selected clients (their tokens stop working)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            api_client_revoke(client=client, actor=request.user)
        self.message_user(request, f"Revoked {len(queryset)} client(s).", messages.SUCCESS)

    @admin.action(description="Give the selected client a new secret")
    def new_secret(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> Any:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one client.", messages.ERROR)
            return None
        client = queryset.get()
        try:
            secret = api_client_new_secret(client=client, actor=request.user)
        except ScopeError as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return None
        return _secret_page(request, client, secret)


def _secret_page(request: HttpRequest, client: ApiClient, secret: str) -> HttpResponse:
    """The only time the secret is shown: rendered into this answer, never stored in a
    message or the session."""
    context = {
        **clinic_admin_site.each_context(request),
        "client": client,
        "secret": secret,
        "title": f"Secret of {client.name}",
    }
    return TemplateResponse(request, "fhir/admin/client_secret.html", context)


class ExportJobAdmin(AdminRoleModelAdmin):
    """The record of every bulk export (its files are deleted after 24 hours, its row
    stays): read-only, for the admin's oversight of what left the clinic."""

    # Five narrow columns, so that the list fits beside the filters on a 1280-pixel
    # screen: the level under the types, the patients under the resources, and how long
    # the files are kept under the status (when it finished is on the job's own page).
    list_display = ["requested", "requester", "export", "outcome", "amount"]
    list_display_links = ["requested"]
    list_filter = ["status", "level"]
    list_select_related = ["client", "user"]
    date_hierarchy = "created_at"
    fields = [
        "requester",
        "level",
        "types",
        "since",
        "status",
        "progress",
        "resources",
        "counts",
        "patient_count",
        "error",
        "created_at",
        "finished_at",
        "expires_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Requested by")
    def requester(self, job: ExportJob) -> str:
        if job.client is not None:
            return f"API client {job.client.name}"
        return str(job.user)

    @admin.display(description="Resources")
    def resources(self, job: ExportJob) -> int:
        return sum(job.counts.values())

    @admin.display(description="Requested", ordering="created_at")
    def requested(self, job: ExportJob) -> str:
        return localize(timezone.localtime(job.created_at))

    @admin.display(description="Export", ordering="types")
    def export(self, job: ExportJob) -> str:
        return _with_note(job.types, f"{job.level.capitalize()} level")

    @admin.display(description="Status", ordering="status")
    def outcome(self, job: ExportJob) -> str:
        if job.status != ExportStatus.COMPLETED or job.expires_at is None:
            return job.get_status_display()
        kept = f"files until {localize(timezone.localtime(job.expires_at))}"
        return _with_note(job.get_status_display(), kept)

    @admin.display(description="Resources")
    def amount(self, job: ExportJob) -> str:
        patients = f"{job.patient_count:,} patient{'' if job.patient_count == 1 else 's'}"
        return _with_note(f"{self.resources(job):,}", patients)


def _with_note(shown: str, note: str) -> str:
    """A list cell: its fact, and under it a second, quieter one."""
    return format_html('{}<br><span class="quiet">{}</span>', shown, note)


clinic_admin_site.register(ApiClient, ApiClientAdmin)
clinic_admin_site.register(ExportJob, ExportJobAdmin)
