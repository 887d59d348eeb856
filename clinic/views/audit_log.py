"""The audit log for the admin: who saw or changed what, and when."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from clinic import permissions, selectors
from clinic.access import permits
from clinic.audit import audit_object_label
from clinic.forms import AuditFilterForm


# No view row: the page lists audit rows, not a patient's record (no lookup notes one).
@permits(permissions.READ_AUDIT_LOG)
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
