"""The patient's own pages on the portal: documents and reminder preferences."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic import permissions, selectors
from clinic.access import permits
from clinic.documents import DOCUMENT_KINDS
from clinic.forms import ReminderPreferencesForm
from clinic.models import Document
from clinic.posting import submit_form
from clinic.selectors import own_patient
from clinic.services import documents as document_services
from clinic.services import patients


@permits(permissions.SEE_OWN_DOCUMENTS, audit="portal.documents")
@require_http_methods(["GET", "POST"])
def my_documents(request: HttpRequest) -> HttpResponse:
    """The patient's own documents (patient versions) and a request button."""
    patient = own_patient(request.user)
    if request.method == "POST":
        try:
            document_services.document_request(
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
    kinds = [kind for kind in DOCUMENT_KINDS.values() if kind.for_patient]
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


@permits(permissions.SET_OWN_REMINDER_PREFERENCES, audit="clinic.reminder_preferences")
@require_http_methods(["GET", "POST"])
def my_reminder_preferences(request: HttpRequest) -> HttpResponse:
    """The patient's own reminder channel and quiet hours for text messages."""
    patient = own_patient(request.user)
    clinic = selectors.clinic_settings()
    form = ReminderPreferencesForm(request.POST or None, patient=patient, clinic=clinic)
    done = submit_form(
        request,
        form,
        lambda data: patients.patient_set_reminder_preferences(
            patient=patient,
            actor=request.user,
            channel=data["reminder_channel"],
            sms_quiet_start=data["sms_quiet_start"],
            sms_quiet_end=data["sms_quiet_end"],
        ),
        success="Your reminder preferences are saved.",
        then=lambda _: redirect("my_reminder_preferences"),
    )
    if done:
        return done
    return TemplateResponse(
        request,
        "clinic/my_reminder_preferences.html",
        {
            "form": form,
            "patient": patient,
            "clinic_quiet": (clinic.sms_quiet_start, clinic.sms_quiet_end),
        },
    )
