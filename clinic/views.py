"""Views of the core: sign-in and second factor, home per role, patients, audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from clinic import auth, portal, second_factor, selectors, services
from clinic.access import allow, public, signed_in
from clinic.audit import audit_object_label, audit_record
from clinic.choices import PATIENT_ROLE, AuditAction, JourneyState, Role
from clinic.forms import (
    AuditFilterForm,
    CareTeamForm,
    PatientDetailsForm,
    PatientSearchForm,
    ReauthenticateForm,
    ReminderPreferencesForm,
    SignInForm,
    TokenForm,
)
from clinic.journey import JOURNEY_ORDER, care_team_next_step, next_step, progress_index
from clinic.models import Document
from clinic.panels import chart_panels
from clinic.policy import NotVisible, patients_visible_to
from clinic.selectors import own_patient, patient_for_user

INTAKE_STATES = (
    JourneyState.INVITED,
    JourneyState.INTAKE_IN_PROGRESS,
    JourneyState.MORE_INFORMATION,
    JourneyState.AWAITING_REVIEW,
)
PATIENT_STAFF = (Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST)


def _safe_next(request: HttpRequest, fallback: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


# --- Sign-in -----------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["signed_out_reason"] = self.request.GET.get("signed_out", "")
        return context


sign_in = public(SignInView.as_view())


@signed_in
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out ends the session on the server; a GET only asks to confirm (CSRF-safe)."""
    if request.method == "POST":
        logout(request)
        return redirect(reverse("login") + "?signed_out=yes")
    return TemplateResponse(request, "registration/logout_confirm.html")


def _public_view(view_class: type, **initkwargs: Any) -> Any:
    return public(view_class.as_view(**initkwargs))


class ClinicPasswordResetView(auth_views.PasswordResetView):
    """The same answer, after the same work, whether or not the address has an account;
    the lookup and the e-mail happen in a worker, a few per address per hour."""

    def form_valid(self, form: Any) -> HttpResponse:
        services.password_reset_request(email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


password_reset = _public_view(
    ClinicPasswordResetView,
    template_name="registration/password_reset_form.html",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = _public_view(
    auth_views.PasswordResetDoneView, template_name="registration/password_reset_done.html"
)
password_reset_confirm = _public_view(
    auth_views.PasswordResetConfirmView,
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = _public_view(
    auth_views.PasswordResetCompleteView,
    template_name="registration/password_reset_complete.html",
)


# --- Second factor -------------------------------------------------------------------------
# The set-up page needs an `AuthenticatorEnrollment` bound to this browser session: from
# the one-time link e-mailed to the staff member, or from re-entering password and code.
# Its secret is new on every view of the page and lives only in this session.

SESSION_ENROLLMENT = "clinic_mfa_enrollment"
SESSION_SECRET = "clinic_mfa_secret"  # noqa: S105 (a session key name)


def _session_enrollment(request: HttpRequest) -> Any:
    return second_factor.usable_enrollment(
        user=request.user, enrollment_id=request.session.get(SESSION_ENROLLMENT)
    )


def _begin_setup(request: HttpRequest, enrollment: Any) -> HttpResponse:
    """Bind a set-up permission to this browser session; the set-up page makes the secret."""
    request.session[SESSION_ENROLLMENT] = enrollment.pk
    request.session.pop(SESSION_SECRET, None)
    return redirect("mfa_setup")


def _forget_enrollment(request: HttpRequest) -> None:
    request.session.pop(SESSION_ENROLLMENT, None)
    request.session.pop(SESSION_SECRET, None)


def _locked_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return auth.sign_in_refused(request)


def _count_wrong_code(request: HttpRequest) -> HttpResponse | None:
    """A wrong code counts toward the lock; the sign-in page if it now locks the account."""
    auth.record_failed_code(request, request.user)
    return _locked_out(request) if auth.is_locked(request, request.user) else None


@signed_in
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code, then confirm with one code from it."""
    user = request.user
    if user.is_patient_account:
        return redirect("home")
    enrollment = _session_enrollment(request)
    if enrollment is None:
        _forget_enrollment(request)
        if auth.has_confirmed_device(user):
            target = "mfa_replace" if user.is_verified() else "mfa_verify"
            return redirect(target)
        return TemplateResponse(
            request,
            "registration/mfa_link_needed.html",
            {"email": second_factor.masked_email(user.email) if user.email else ""},
        )
    form = TokenForm(request.POST or None)
    key = request.session.get(SESSION_SECRET)
    if request.method == "GET" or not isinstance(key, str):
        key = second_factor.new_secret()  # fresh for every view of the page
        request.session[SESSION_SECRET] = key
    elif form.is_valid():
        if auth.is_locked(request, user):
            return _locked_out(request)
        try:
            device = second_factor.authenticator_enroll(
                actor=user,
                enrollment=enrollment,
                key=key,
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            _forget_enrollment(request)
            messages.error(request, error.messages[0])
            return redirect("mfa_setup")
        if device is not None:
            _forget_enrollment(request)
            otp_login(request, device)
            messages.success(request, "Your authenticator app is set up.")
            return HttpResponseRedirect(_safe_next(request))
        if locked := _count_wrong_code(request):
            return locked
        form.add_error("token", "That code did not match. Check the time on your phone.")
    shown = second_factor.device_for_display(user, key)
    return TemplateResponse(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "qr_code": auth.qr_code_data_uri(shown.config_url),
            "secret": auth.secret_for_manual_entry(shown),
            "next": _safe_next(request),
        },
    )


@signed_in
@require_http_methods(["POST"])
def mfa_link_request(request: HttpRequest) -> HttpResponse:
    """E-mail the signed-in staff member a set-up link, to their own address only."""
    user = request.user
    if user.is_patient_account or auth.has_confirmed_device(user):
        return redirect("home")
    try:
        sent = second_factor.enrollment_link_send(user=user, actor=user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("mfa_setup")
    if sent:
        messages.success(
            request,
            f"We e-mailed a set-up link to {second_factor.masked_email(user.email)}. "
            "It works once, within 24 hours, in this browser after signing in.",
        )
    else:
        messages.info(request, "A link was sent a moment ago: check your inbox (and spam).")
    return redirect("mfa_setup")


@signed_in
@require_http_methods(["GET", "POST"])
def mfa_enroll_link(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed set-up link. A GET only shows it (mail scanners open links); the
    button binds it to this signed-in browser session."""
    user = request.user
    enrollment = None
    if not user.is_patient_account:
        enrollment = second_factor.enrollment_for_link(user=user, token=token[:100])
    if enrollment is None:
        audit_record(action=AuditAction.DENIED, object_type="otp.setup_link")
        return TemplateResponse(
            request, "registration/mfa_link_invalid.html", {"signed_in_as": user}, status=404
        )
    if request.method == "POST":
        return _begin_setup(request, enrollment)
    return TemplateResponse(request, "registration/mfa_link_confirm.html", {})


@signed_in
@require_http_methods(["GET", "POST"])
def mfa_replace(request: HttpRequest) -> HttpResponse:
    """Replace a working authenticator: password and a current code first."""
    user = request.user
    if user.is_patient_account:
        return redirect("home")
    if not auth.has_confirmed_device(user):
        return redirect("mfa_setup")
    if not user.is_verified():
        return redirect(reverse("mfa_verify") + "?next=" + reverse("mfa_replace"))
    form = ReauthenticateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if auth.is_locked(request, user):
            return _locked_out(request)
        enrollment = second_factor.reauthenticate_for_replacement(
            actor=user,
            password=form.cleaned_data["password"],
            token=form.cleaned_data["token"],
        )
        if enrollment is not None:
            return _begin_setup(request, enrollment)
        if locked := _count_wrong_code(request):
            return locked
        form.add_error(None, "The password or the code did not match.")
    return TemplateResponse(request, "registration/mfa_replace.html", {"form": form})


@signed_in
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: one code from the enrolled authenticator app."""
    user = request.user
    if user.is_patient_account or user.is_verified():
        return HttpResponseRedirect(_safe_next(request))
    if not auth.has_confirmed_device(user):
        return redirect("mfa_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if auth.is_locked(request, user):
            return _locked_out(request)
        check = second_factor.code_check(actor=user, token=form.cleaned_data["token"])
        if check.passed:
            otp_login(request, check.device)
            return HttpResponseRedirect(_safe_next(request))
        if check.locked:
            return _locked_out(request)
        if check.wait_until is not None:
            seconds = max(1, int((check.wait_until - timezone.now()).total_seconds()) + 1)
            form.add_error(
                "token",
                f"Too many wrong codes: wait {_duration(seconds)} before the next try. "
                "If this keeps happening, ask the administrator to reset your authenticator.",
            )
        else:
            if locked := _count_wrong_code(request):
                return locked
            form.add_error("token", "That code did not match. Try the newest code in your app.")
    return TemplateResponse(
        request, "registration/mfa_verify.html", {"form": form, "next": _safe_next(request)}
    )


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 2 * 3600:
        return f"{seconds // 60} minutes"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} hours"
    return f"{seconds // 86400} days"


@public
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for the load balancer: the database answers. Shows no data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- Home ----------------------------------------------------------------------------------


@allow(*Role.values, PATIENT_ROLE)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_patient_account:
        patient = own_patient(request.user)
        audit_record(
            action=AuditAction.VIEW,
            patient=patient,
            object_type="portal.home",
            object_id=patient.pk,
        )
        return TemplateResponse(
            request,
            "clinic/portal_home.html",
            {
                "patient": patient,
                "next_step_sentence": portal.next_step_sentence(patient),
                "care_team_next": care_team_next_step(
                    patient.journey_state,
                    has_psychiatrist=patient.psychiatrist_id is not None,
                    has_therapist=patient.therapist_id is not None,
                ),
                "panels": portal.portal_panels(request, patient),
                "intake_states": INTAKE_STATES,
            },
        )
    roles = user.role_codes
    context: dict[str, Any] = {"roles": roles, "clinic_day": selectors.clinic_day()}
    if roles & set(PATIENT_STAFF):
        counts = selectors.journey_counts(user)
        context["journey_counts"] = [
            (state, label, counts[state]) for state, label in JourneyState.choices
        ]
        audit_record(action=AuditAction.VIEW, object_type="home.patients")
    if Role.PSYCHIATRIST in roles:
        context["awaiting_review"] = selectors.awaiting_review(user)
        context["my_psychiatry_patients"] = selectors.my_patients(user, Role.PSYCHIATRIST)
    if Role.THERAPIST in roles:
        context["caseload"] = selectors.my_patients(user, Role.THERAPIST)
    if Role.COORDINATOR in roles:
        context["coordinator_recent"] = selectors.recently_changed(
            user,
            [
                JourneyState.INVITED,
                JourneyState.INTAKE_IN_PROGRESS,
                JourneyState.ELIGIBLE,
                JourneyState.PLAN,
                JourneyState.DECLINED,
            ],
        )
    if Role.NURSE in roles:
        context["in_treatment"] = selectors.recently_changed(
            user, [JourneyState.INDUCTION, JourneyState.MAINTENANCE], limit=15
        )
    if Role.ADMIN in roles:
        context["staff"] = selectors.staff_overview()
        context["closures"] = selectors.upcoming_closures()
    return TemplateResponse(request, "clinic/home.html", context)


# --- Patients ---------------------------------------------------------------------------------


@allow(*PATIENT_STAFF)
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    search = selectors.PatientSearch()
    if form.is_valid():
        search = selectors.PatientSearch(
            query=form.cleaned_data["q"],
            date_of_birth=form.cleaned_data["dob"],
            journey_state=form.cleaned_data["state"],
        )
    page = selectors.paginate(selectors.patient_list(request.user, search), request.GET.get("page"))
    audit_record(action=AuditAction.VIEW, object_type="clinic.patient_list")
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "clinic/patient_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@allow(*PATIENT_STAFF)
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id, queryset=selectors.patients_with_team())
    audit_record(action=AuditAction.VIEW, patient=patient, obj=patient)
    return TemplateResponse(
        request,
        "clinic/patient_detail.html",
        {
            "patient": patient,
            "step": next_step(patient.journey_state),
            "journey_path": [(state, JourneyState(state).label) for state in JOURNEY_ORDER],
            "progress": progress_index(patient.journey_state),
            "age": patient.age_on(timezone.localdate()),
            "can_edit": request.user.has_role(Role.COORDINATOR),
            "can_change_team": request.user.has_role(Role.COORDINATOR, Role.PSYCHIATRIST),
            "can_enter_intake": request.user.has_role(Role.PSYCHIATRIST, Role.NURSE)
            and patient.journey_state
            in (
                JourneyState.INVITED,
                JourneyState.INTAKE_IN_PROGRESS,
                JourneyState.MORE_INFORMATION,
            ),
            "can_see_sessions": patient.journey_state
            in (
                JourneyState.PLAN,
                JourneyState.INDUCTION,
                JourneyState.MAINTENANCE,
                JourneyState.PAUSED,
                JourneyState.DISCHARGED,
            ),
            "panels": chart_panels(request, patient),
            "can_see_documents": request.user.has_role(*DOCUMENT_READERS),
            "can_see_reminders": request.user.has_role(
                Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST
            ),
            "can_see_notes": request.user.has_role(Role.THERAPIST, Role.PSYCHIATRIST),
            "can_see_outcomes": request.user.has_role(
                Role.THERAPIST, Role.PSYCHIATRIST, Role.NURSE
            ),
            "can_see_plan": request.user.has_role(Role.PSYCHIATRIST, Role.NURSE)
            and patient.journey_state
            in (
                JourneyState.ELIGIBLE,
                JourneyState.PLAN,
                JourneyState.INDUCTION,
                JourneyState.MAINTENANCE,
                JourneyState.PAUSED,
            ),
            "can_review": request.user.has_role(Role.PSYCHIATRIST, Role.NURSE)
            and patient.journey_state
            not in (JourneyState.INVITED, JourneyState.INTAKE_IN_PROGRESS),
        },
    )


@allow(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    form = PatientDetailsForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        services.patient_update_details(
            patient=patient, actor=request.user, changes=form.cleaned_data
        )
        messages.success(request, "Patient details saved.")
        return redirect("patient_detail", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(action=AuditAction.VIEW, patient=patient, obj=patient)
    return TemplateResponse(request, "clinic/patient_edit.html", {"patient": patient, "form": form})


@allow(Role.COORDINATOR, Role.PSYCHIATRIST)
@require_http_methods(["GET", "POST"])
def patient_care_team(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    form = CareTeamForm(
        request.POST or None,
        initial={"psychiatrist": patient.psychiatrist_id, "therapist": patient.therapist_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_set_care_team(
                patient=patient,
                actor=request.user,
                psychiatrist=form.cleaned_data["psychiatrist"],
                therapist=form.cleaned_data["therapist"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Care team saved.")
            return redirect("patient_detail", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            patient=patient,
            object_type="clinic.careteam",
            object_id=patient.pk,
        )
    return TemplateResponse(
        request, "clinic/patient_care_team.html", {"patient": patient, "form": form}
    )


# --- Audit log ----------------------------------------------------------------------------------


@allow(Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    search = selectors.AuditFilter()
    if form.is_valid():
        search = selectors.AuditFilter(
            patient_mrn=form.cleaned_data["patient"],
            user_id=form.cleaned_data["user"].pk if form.cleaned_data["user"] else None,
            action=form.cleaned_data["action"],
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    page = selectors.paginate(selectors.audit_events(search), request.GET.get("page"), 50)
    # A failed sign-in names the username typed; unless that is a staff account it may
    # be a patient's e-mail address, which is not the admin's to read.
    typed = {event.object_id for event in page if event.object_type == "login"}
    staff = selectors.staff_usernames(typed)
    for event in page:
        event.object_label = audit_object_label(event.object_type)
        hidden = event.object_type == "login" and event.object_id not in staff
        event.shown_id = "" if hidden else event.object_id
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request, "clinic/audit_log.html", {"form": form, "page": page, "query": query.urlencode()}
    )


# --- Reminders ----------------------------------------------------------------------------


@allow(Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST)
@require_http_methods(["GET"])
def patient_reminders(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Every reminder of a patient: kind, channel, when, status, attempts, error."""
    patient = patient_for_user(request.user, patient_id)
    audit_record(
        action=AuditAction.VIEW,
        patient=patient,
        object_type="clinic.reminder_history",
        object_id=patient.pk,
    )
    return TemplateResponse(
        request,
        "clinic/patient_reminders.html",
        {"patient": patient, "rows": selectors.reminder_history(patient, request.user)},
    )


# Psychiatrists and nurses too: a failed urgent (suicide-risk) alert is theirs to see and
# send again, and coordinators no longer see those (a clinical fact).
@allow(Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST)
@require_http_methods(["GET"])
def failed_reminders(request: HttpRequest) -> HttpResponse:
    """Reminders that failed after every attempt, with the error and a retry button."""
    audit_record(action=AuditAction.VIEW, object_type="clinic.failed_reminders")
    return TemplateResponse(
        request, "clinic/failed_reminders.html", {"rows": selectors.failed_reminders(request.user)}
    )


@allow(Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST)
@require_http_methods(["POST"])
def reminder_retry(request: HttpRequest, reminder_id: int) -> HttpResponse:
    reminder = selectors.failed_reminders(request.user).filter(pk=reminder_id).first()
    if reminder is None:
        messages.error(request, "That reminder is not waiting for a retry.")
        return redirect("failed_reminders")
    services.reminder_retry(reminder=reminder, actor=request.user)
    messages.success(request, "The reminder will be sent again within a minute.")
    return redirect("failed_reminders")


# --- Documents ----------------------------------------------------------------------------

DOCUMENT_READERS = (Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST)


def _document_for_user(request: HttpRequest, document_id: int) -> Document:
    from clinic.documents import DOCUMENT_KINDS

    document = (
        Document.objects.select_related("patient", "requested_by").filter(pk=document_id).first()
    )
    allowed = False
    if document is not None:
        spec = DOCUMENT_KINDS.get(document.kind)
        if request.user.is_patient_account:
            allowed = bool(
                spec and spec.for_patient and document.patient.user_id == request.user.pk
            )
        else:
            allowed = bool(
                spec
                and spec.allowed(request.user)
                and patients_visible_to(request.user).filter(pk=document.patient_id).exists()
            )
    if not allowed:
        raise NotVisible(
            patient_id=document.patient_id if document else None,
            object_type="clinic.document",
            object_id=document_id,
        )
    return document


@allow(*DOCUMENT_READERS)
@require_http_methods(["GET", "POST"])
def patient_documents(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's documents by kind, every version, and Generate buttons."""
    from clinic.documents import DOCUMENT_KINDS

    patient = patient_for_user(request.user, patient_id)
    kinds = [k for k in DOCUMENT_KINDS.values() if k.allowed(request.user)]
    if request.method == "POST":
        try:
            subject = request.POST.get("subject_id") or None
            services.document_request(
                patient=patient,
                kind=request.POST.get("kind", ""),
                subject_id=int(subject) if subject and subject.isdigit() else None,
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            # A flash stays on the page: say what stays true once the PDF is ready.
            messages.success(request, "Document requested: its row below turns into a download.")
        return redirect("patient_documents", patient_id=patient.pk)
    audit_record(
        action=AuditAction.VIEW,
        patient=patient,
        object_type="clinic.documents",
        object_id=patient.pk,
    )
    documents = Document.objects.filter(
        patient=patient, kind__in=[k.code for k in kinds]
    ).select_related("requested_by")
    return TemplateResponse(
        request,
        "clinic/patient_documents.html",
        {
            "patient": patient,
            "kinds": [
                (k, k.subjects(patient) if k.subjects else None, k.why_unavailable(patient))
                for k in kinds
            ],
            "documents": documents,
            "labels": {k.code: k.label for k in kinds},
        },
    )


@allow(*DOCUMENT_READERS, PATIENT_ROLE)
@require_http_methods(["GET"])
def document_status(request: HttpRequest, document_id: int) -> HttpResponse:
    """The row's status; htmx polls it while the PDF is being generated."""
    document = _document_for_user(request, document_id)
    return TemplateResponse(request, "clinic/_document_status.html", {"document": document})


@allow(*DOCUMENT_READERS, PATIENT_ROLE)
@require_http_methods(["GET"])
def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    """The PDF itself; every download is an audit row."""
    document = _document_for_user(request, document_id)
    if document.status != "ready" or not document.file:
        raise Http404("This document is not ready.")
    audit_record(action=AuditAction.DOWNLOAD, patient=document.patient, obj=document)
    name = document.file.name.rsplit("/", 1)[-1]
    with document.file.open("rb") as stored:  # documents are small; read and close at once
        data = stored.read()
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@allow(*DOCUMENT_READERS)
@require_http_methods(["POST"])
def document_retry(request: HttpRequest, document_id: int) -> HttpResponse:
    document = _document_for_user(request, document_id)
    services.document_retry(document=document, actor=request.user)
    if request.htmx:
        return TemplateResponse(request, "clinic/_document_status.html", {"document": document})
    return redirect("patient_documents", patient_id=document.patient_id)


@allow(PATIENT_ROLE)
@require_http_methods(["GET", "POST"])
def my_documents(request: HttpRequest) -> HttpResponse:
    """The patient's own documents (patient versions) and a request button."""
    from clinic.documents import DOCUMENT_KINDS

    patient = own_patient(request.user)
    kinds = [k for k in DOCUMENT_KINDS.values() if k.for_patient]
    if request.method == "POST":
        try:
            services.document_request(
                patient=patient, kind=request.POST.get("kind", ""), subject_id=None,
                actor=request.user,
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request, "Document requested: it is listed below, with a download button."
            )
        return redirect("my_documents")
    audit_record(
        action=AuditAction.VIEW, patient=patient, object_type="portal.documents",
        object_id=patient.pk,
    )  # fmt: skip
    documents = Document.objects.filter(patient=patient, kind__in=[k.code for k in kinds])
    return TemplateResponse(
        request,
        "clinic/my_documents.html",
        {
            # Only what can be made now: no "decision letter" button before a decision.
            "kinds": [k for k in kinds if not k.why_unavailable(patient)],
            "documents": documents,
            "labels": {k.code: k.label for k in kinds},
        },
    )


@allow(PATIENT_ROLE)
@require_http_methods(["GET", "POST"])
def my_reminder_preferences(request: HttpRequest) -> HttpResponse:
    """The patient's own reminder channel and quiet hours for text messages."""
    patient = own_patient(request.user)
    clinic = selectors.clinic_settings()
    form = ReminderPreferencesForm(request.POST or None, patient=patient, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_set_reminder_preferences(
                patient=patient,
                actor=request.user,
                channel=form.cleaned_data["reminder_channel"],
                sms_quiet_start=form.cleaned_data["sms_quiet_start"],
                sms_quiet_end=form.cleaned_data["sms_quiet_end"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Your reminder preferences are saved.")
            return redirect("my_reminder_preferences")
    if request.method == "GET":
        audit_record(
            action=AuditAction.VIEW,
            patient=patient,
            object_type="clinic.reminder_preferences",
            object_id=patient.pk,
        )
    return TemplateResponse(
        request,
        "clinic/my_reminder_preferences.html",
        {
            "form": form,
            "patient": patient,
            "clinic_quiet": (clinic.sms_quiet_start, clinic.sms_quiet_end),
        },
    )


@signed_in
def bench_floor(request: HttpRequest) -> HttpResponse:
    """Benchmarks only (SERVER_TIMING): the cheapest signed-in page, the framework floor."""
    return HttpResponse("ok", content_type="text/plain")
