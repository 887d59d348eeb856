"""A patient's documents for staff: list, generate, follow, download and retry."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from clinic import permissions, selectors
from clinic.access import permits
from clinic.choices import AuditAction
from clinic.documents import DOCUMENT_KINDS
from clinic.models import Document
from clinic.selectors import patient_for_user
from clinic.services import documents as document_services


@permits(permissions.SEE_DOCUMENTS, audit="clinic.documents")
@require_http_methods(["GET", "POST"])
def patient_documents(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's documents by kind, every version, and Generate buttons."""
    patient = patient_for_user(request.user, patient_id)
    if request.method == "POST":
        subject = request.POST.get("subject_id") or None
        try:
            document_services.document_request(
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
    kinds = [kind for kind in DOCUMENT_KINDS.values() if kind.allowed(request.user)]
    documents = Document.objects.filter(
        patient=patient, kind__in=[kind.code for kind in kinds]
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


# No view row: htmx polls this fragment every few seconds while the PDF is made.
@permits(permissions.DOWNLOAD_DOCUMENTS, audit=False)
@require_http_methods(["GET"])
def document_status(request: HttpRequest, document_id: int) -> HttpResponse:
    """The row's status; htmx polls it while the PDF is being generated."""
    document = selectors.document_for_user(request.user, document_id)
    return TemplateResponse(request, "clinic/_document_status.html", {"document": document})


@permits(permissions.DOWNLOAD_DOCUMENTS, audit_action=AuditAction.DOWNLOAD)
@require_http_methods(["GET"])
def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    """The PDF itself; every download is a `download` row (written by the decorator)."""
    document = selectors.document_for_user(request.user, document_id)
    if document.status != "ready" or not document.file:
        raise Http404("This document is not ready.")
    name = document.file.name.rsplit("/", 1)[-1]
    with document.file.open("rb") as stored:  # documents are small; read and close at once
        data = stored.read()
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permits(permissions.SEE_DOCUMENTS)
@require_http_methods(["POST"])
def document_retry(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for_user(request.user, document_id)
    document_services.document_retry(document=document, actor=request.user)
    if request.htmx:
        return TemplateResponse(request, "clinic/_document_status.html", {"document": document})
    return redirect("patient_documents", patient_id=document.patient_id)
