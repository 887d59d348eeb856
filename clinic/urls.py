"""The root URLconf. Feature apps are included by dotted string (clinic imports none),
for example ``path("intake/", include("intake.urls"))``."""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView

from clinic.access import public
from clinic.admin import clinic_admin_site
from clinic.views import (
    account,
    audit_log,
    documents,
    home,
    locations,
    patients,
    portal,
    reminders,
    second_factor,
)

urlpatterns = [
    path("favicon.ico", public(RedirectView.as_view(url="/static/favicon.svg")), name="favicon"),
    path("", home.home, name="home"),
    path("healthz", account.healthz, name="healthz"),
    path("login/", account.sign_in, name="login"),
    path("logout/", account.sign_out, name="logout"),
    path("account/second-factor/", second_factor.mfa_verify, name="mfa_verify"),
    path("account/second-factor/setup/", second_factor.mfa_setup, name="mfa_setup"),
    path("account/second-factor/link/", second_factor.mfa_link_request, name="mfa_link_request"),
    path(
        "account/second-factor/enroll/<str:token>/",
        second_factor.mfa_enroll_link,
        name="mfa_enroll_link",
    ),
    path("account/second-factor/replace/", second_factor.mfa_replace, name="mfa_replace"),
    path("password-reset/", account.password_reset, name="password_reset"),
    path("password-reset/sent/", account.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        account.password_reset_complete,
        name="password_reset_complete",
    ),
    path("location/", locations.location_pick, name="location_pick"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/<int:patient_id>/", patients.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/edit/", patients.patient_edit, name="patient_edit"),
    path(
        "patients/<int:patient_id>/care-team/", patients.patient_care_team, name="patient_care_team"
    ),
    path("audit/", audit_log.audit_log, name="audit_log"),
    path(
        "patients/<int:patient_id>/reminders/",
        reminders.patient_reminders,
        name="patient_reminders",
    ),
    path("reminders/failed/", reminders.failed_reminders, name="failed_reminders"),
    path(
        "patients/<int:patient_id>/documents/",
        documents.patient_documents,
        name="patient_documents",
    ),
    path("documents/<int:document_id>/status/", documents.document_status, name="document_status"),
    path(
        "documents/<int:document_id>/download/",
        documents.document_download,
        name="document_download",
    ),
    path("documents/<int:document_id>/retry/", documents.document_retry, name="document_retry"),
    path("my/documents/", portal.my_documents, name="my_documents"),
    path("my/reminders/", portal.my_reminder_preferences, name="my_reminder_preferences"),
    path("reminders/<int:reminder_id>/retry/", reminders.reminder_retry, name="reminder_retry"),
    path("", include("intake.urls")),
    path("", include("sessions.urls")),
    path("", include("integration.urls")),
    path("controlled/", include("controlled.urls")),
    path("fhir/r4/", include("fhir.urls")),
    path("", include("fhir.portal_urls")),
    path("clinic-admin/", clinic_admin_site.urls),
]

handler400 = "clinic.errors.bad_request"
handler403 = "clinic.errors.permission_denied"
handler404 = "clinic.errors.page_not_found"
handler500 = "clinic.errors.server_error"

if settings.SERVER_TIMING:
    urlpatterns.append(path("bench/floor/", account.bench_floor, name="bench_floor"))
