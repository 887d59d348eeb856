"""Patients: the list, the chart, the details and the care team."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic import permissions, selectors
from clinic.access import permits
from clinic.choices import JourneyState
from clinic.forms import CareTeamForm, PatientDetailsForm, PatientSearchForm
from clinic.journey import JOURNEY_ORDER, next_step, progress_index
from clinic.panels import chart_links, chart_panels
from clinic.posting import submit_form
from clinic.selectors import patient_for_user
from clinic.services import patients


@permits(permissions.SEE_PATIENTS, audit="clinic.patient_list")
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
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "clinic/patient_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@permits(permissions.SEE_PATIENTS)
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id, queryset=selectors.patients_with_team())
    return TemplateResponse(
        request,
        "clinic/patient_detail.html",
        {
            "patient": patient,
            "step": next_step(patient.journey_state),
            "journey_path": [(state, JourneyState(state).label) for state in JOURNEY_ORDER],
            "progress": progress_index(patient.journey_state),
            "age": patient.age_on(timezone.localdate()),
            "panels": chart_panels(request, patient),
            "chart_links": chart_links(request.user, patient),
        },
    )


@permits(permissions.EDIT_PATIENT_DETAILS)
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    form = PatientDetailsForm(request.POST or None, instance=patient)
    done = submit_form(
        request,
        form,
        lambda data: patients.patient_update_details(
            patient=patient, actor=request.user, changes=data
        ),
        success="Patient details saved.",
        then=lambda saved: redirect("patient_detail", patient_id=saved.pk),
    )
    if done:
        return done
    return TemplateResponse(request, "clinic/patient_edit.html", {"patient": patient, "form": form})


@permits(permissions.CHANGE_CARE_TEAM, audit="clinic.careteam")
@require_http_methods(["GET", "POST"])
def patient_care_team(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(request.user, patient_id)
    form = CareTeamForm(
        request.POST or None,
        initial={"psychiatrist": patient.psychiatrist_id, "therapist": patient.therapist_id},
    )
    done = submit_form(
        request,
        form,
        lambda data: patients.patient_set_care_team(
            patient=patient,
            actor=request.user,
            psychiatrist=data["psychiatrist"],
            therapist=data["therapist"],
        ),
        success="Care team saved.",
        then=lambda saved: redirect("patient_detail", patient_id=saved.pk),
    )
    if done:
        return done
    return TemplateResponse(
        request, "clinic/patient_care_team.html", {"patient": patient, "form": form}
    )
