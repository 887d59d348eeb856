"""The home page: the patient portal's home for a patient, the day's work for staff."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from clinic import permissions, portal, selectors
from clinic.access import permits
from clinic.choices import JourneyState, Role
from clinic.context import note_subject
from clinic.journey import care_team_next_step
from clinic.models import Patient, User
from clinic.panels import home_panels
from clinic.policy import may


@permits(permissions.SEE_HOME)
def home(request: HttpRequest) -> HttpResponse:
    """The patient's portal home, or the staff home with the work lists of their roles.

    Its view row: "portal.home" for a patient; "home.patients" only for staff who see
    the patient counts (the other staff home pages show no patient data)."""
    user = request.user
    if user.is_patient_account:
        return _portal_home(request, selectors.own_patient(user, object_type="portal.home"))
    location = selectors.current_location(user)
    context: dict[str, Any] = {
        "clinic_day": selectors.clinic_day(location),
        "picked_location": location,
    }
    if may(user, permissions.SEE_PATIENTS):
        counts = selectors.journey_counts(user)
        context["journey_counts"] = [
            (state, label, counts[state]) for state, label in JourneyState.choices
        ]
        note_subject(patient_id=None, object_type="home.patients", object_id="")
    context.update(_work_lists(user))
    context["home_panels"] = home_panels(request)
    if may(user, permissions.ADMINISTER):
        context["staff"] = selectors.staff_overview()
        context["closures"] = selectors.location_closures(location)
        context["dea_alerts"] = selectors.dea_alerts()
    return TemplateResponse(request, "clinic/home.html", context)


def _portal_home(request: HttpRequest, patient: Patient) -> HttpResponse:
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
            "panels": portal.portal_panels(request.user, patient),
            "links": portal.portal_links(patient),
        },
    )


def _work_lists(user: User) -> dict[str, Any]:
    """Each role's own work list on the home page. These follow the roles held, not an
    action: a list is the work of the role (a psychiatrist's patients), and every
    patient in it is within the user's scope (`patients_visible_to`)."""
    roles = user.role_codes
    lists: dict[str, Any] = {}
    if Role.PSYCHIATRIST in roles:
        lists["awaiting_review"] = selectors.awaiting_review(user)
        lists["my_psychiatry_patients"] = selectors.my_patients(user, Role.PSYCHIATRIST)
    if Role.THERAPIST in roles:
        lists["caseload"] = selectors.my_patients(user, Role.THERAPIST)
    if Role.COORDINATOR in roles:
        lists["coordinator_recent"] = selectors.recently_changed(
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
        lists["in_treatment"] = selectors.recently_changed(
            user, [JourneyState.INDUCTION, JourneyState.MAINTENANCE], limit=15
        )
    return lists
