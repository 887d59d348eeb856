"""Patient list, chart, details and care team as staff and patients use them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clinic.choices import JourneyState, Role
from clinic.models import Patient
from tests.factories import PatientFactory, StaffFactory


def test_a_therapist_sees_only_their_caseload(login, personas) -> None:
    client = login(personas.therapist)
    page = client.get(reverse("patient_list")).content.decode()
    assert "Quillfeather, Alice" in page
    assert "Brandtmoor" not in page


def test_a_patient_outside_the_users_scope_is_a_404_without_their_data(login, personas):
    client = login(personas.other_therapist)
    response = client.get(reverse("patient_detail", args=[personas.patient_a.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    for secret in (
        personas.patient_a.legal_last_name,
        personas.patient_a.mrn,
        personas.patient_a.email,
    ):
        assert secret not in body


def test_an_unknown_patient_id_is_the_same_404(login, personas) -> None:
    client = login(personas.coordinator)
    assert client.get(reverse("patient_detail", args=[999999])).status_code == 404


def test_a_patient_sees_only_their_own_portal(login, personas) -> None:
    client = login(personas.patient_b.user)
    page = client.get(reverse("home")).content.decode()
    assert "Hello, Bruno" in page
    assert "Quillfeather" not in page
    assert client.get(reverse("patient_detail", args=[personas.patient_a.pk])).status_code == 403


def test_staff_find_patients_by_name_date_of_birth_and_journey_state(login, personas) -> None:
    PatientFactory(
        legal_first_name="Carla",
        legal_last_name="Anderson",
        date_of_birth=dt.date(1980, 1, 2),
        journey_state=JourneyState.INDUCTION,
    )
    client = login(personas.coordinator)

    def names(**query: str) -> list[str]:
        page = client.get(reverse("patient_list"), query)
        return [patient.legal_first_name for patient in page.context["page"].object_list]

    assert names(q="quill") == ["Alice"]
    assert names(q="ANDERSON") == ["Carla"]
    assert names(q="carla ander") == ["Carla"]
    assert names(dob="1980-01-02") == ["Carla"]
    assert names(state="induction") == ["Carla"]
    assert names(q=personas.patient_b.mrn) == ["Bruno"]


def test_a_bad_filter_value_is_explained_next_to_its_field(login, personas) -> None:
    client = login(personas.coordinator)
    response = client.get(reverse("patient_list"), {"dob": "31/31/1980", "q": "Alice"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a valid date." in body
    assert 'value="Alice"' in body  # the rest of what was typed is kept


def test_the_list_is_paginated_25_at_a_time(login, personas) -> None:
    PatientFactory.create_batch(30)
    client = login(personas.nurse)
    first = client.get(reverse("patient_list"))
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(reverse("patient_list"), {"page": "2"})
    assert len(second.context["page"].object_list) == 7
    assert client.get(reverse("patient_list"), {"page": "999"}).status_code == 200


def test_the_chart_says_where_the_patient_is_what_is_next_and_who_owns_it(login, personas):
    client = login(personas.nurse)
    body = client.get(reverse("patient_detail", args=[personas.patient_a.pk])).content.decode()
    assert "Journey: Awaiting review" in body
    assert "a psychiatrist reviews the flags and decides eligibility" in body
    assert "Dr. Priya Raman" in body
    assert "Dana Whitfield" in body


def test_a_coordinator_corrects_details_and_bad_input_keeps_everything_typed(login, personas):
    client = login(personas.coordinator)
    patient = personas.patient_a
    url = reverse("patient_edit", args=[patient.pk])
    data = {
        "legal_first_name": "Alicia",
        "legal_last_name": patient.legal_last_name,
        "preferred_name": "Ali",
        "date_of_birth": "2090-01-01",
        "email": patient.email,
        "phone": "12",
        "city": "Somerville",
        "reminder_channel": "sms",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "The date of birth cannot be in the future." in body
    assert "Enter a phone number" in body or "This phone number is not valid." in body
    assert 'value="Alicia"' in body and 'value="Somerville"' in body
    patient.refresh_from_db()
    assert patient.legal_first_name == "Alice"  # nothing saved

    data.update(date_of_birth="1984-03-09", phone="(617) 555-0199")
    assert client.post(url, data).status_code == 302
    patient.refresh_from_db()
    assert (patient.legal_first_name, patient.phone, patient.city) == (
        "Alicia",
        "+16175550199",
        "Somerville",
    )


def test_sms_reminders_need_a_phone_number(login, personas) -> None:
    client = login(personas.coordinator)
    patient = personas.patient_b
    response = client.post(
        reverse("patient_edit", args=[patient.pk]),
        {
            "legal_first_name": patient.legal_first_name,
            "legal_last_name": patient.legal_last_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "email": patient.email,
            "phone": "",
            "reminder_channel": "both",
        },
    )
    assert "Text-message reminders need a mobile number." in response.content.decode()


def test_the_care_team_offers_only_people_holding_the_role(login, personas) -> None:
    client = login(personas.psychiatrist)
    url = reverse("patient_care_team", args=[personas.patient_b.pk])
    form = client.get(url).context["form"]
    assert set(form.fields["psychiatrist"].queryset) == {personas.psychiatrist}
    assert personas.nurse not in form.fields["therapist"].queryset
    refused = client.post(url, {"psychiatrist": personas.nurse.pk})
    assert "Select a valid choice" in refused.content.decode()
    saved = client.post(
        url, {"psychiatrist": personas.psychiatrist.pk, "therapist": personas.therapist.pk}
    )
    assert saved.status_code == 302
    personas.patient_b.refresh_from_db()
    assert personas.patient_b.therapist == personas.therapist
    # The therapist now has the patient on their caseload.
    assert (
        login(personas.therapist)
        .get(reverse("patient_detail", args=[personas.patient_b.pk]))
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.NURSE, Role.PSYCHIATRIST, Role.THERAPIST, Role.ADMIN]
)
def test_each_staff_role_has_a_home_page_of_its_own(login, personas, role) -> None:
    user = {
        Role.COORDINATOR: personas.coordinator,
        Role.NURSE: personas.nurse,
        Role.PSYCHIATRIST: personas.psychiatrist,
        Role.THERAPIST: personas.therapist,
        Role.ADMIN: personas.admin,
    }[role]
    body = login(user).get(reverse("home")).content.decode()
    expected = {
        Role.COORDINATOR: "Front desk: recent changes",
        Role.NURSE: "Patients in treatment",
        Role.PSYCHIATRIST: "Waiting for eligibility review",
        Role.THERAPIST: "My caseload (integration therapy)",
        Role.ADMIN: "Staff accounts",
    }[role]
    assert expected in body
    if role == Role.ADMIN:
        assert "Quillfeather" not in body  # no patient data on the admin's home


def test_a_person_with_two_roles_sees_both_home_sections(login, personas) -> None:
    both = StaffFactory(roles=[Role.NURSE, Role.COORDINATOR])
    body = login(both).get(reverse("home")).content.decode()
    assert "Patients in treatment" in body and "Front desk: recent changes" in body


def test_the_review_queue_lists_the_longest_waiting_first(login, personas) -> None:
    Patient.objects.update(journey_state=JourneyState.INVITED)
    from django.utils import timezone

    now = timezone.now()
    late = PatientFactory(legal_last_name="Late", journey_state_since=now - dt.timedelta(days=1))
    early = PatientFactory(legal_last_name="Early", journey_state_since=now - dt.timedelta(days=5))
    page = login(personas.psychiatrist).get(reverse("home"))
    assert list(page.context["awaiting_review"]) == [early, late]


# --- Query budgets: the number of queries does not grow with the number of rows -----------


def _queries(django_assert_max_num_queries, client, url: str, budget: int) -> None:
    client.get(url)  # steady state: the session already carries its activity stamp
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_patient_list_query_budget(rows, login, personas, django_assert_max_num_queries):
    PatientFactory.create_batch(
        rows, psychiatrist=personas.psychiatrist, therapist=personas.therapist
    )
    client = login(personas.coordinator)
    _queries(django_assert_max_num_queries, client, reverse("patient_list"), 13)


@pytest.mark.parametrize("rows", [1, 50])
def test_home_query_budget(rows, login, personas, django_assert_max_num_queries):
    PatientFactory.create_batch(
        rows, psychiatrist=personas.psychiatrist, therapist=personas.therapist
    )
    for user in (
        personas.psychiatrist,
        personas.therapist,
        personas.coordinator,
        personas.nurse,
        personas.admin,
    ):
        client = login(user)
        # 19: a psychiatrist's controlled-substance panel reads open cases and discrepancies;
        # the day shown is the picked location's (one read of the picker, as on every page
        # that follows it; its hours, closures and chairs one query each, as before).
        _queries(django_assert_max_num_queries, client, reverse("home"), 19)


@pytest.mark.parametrize("rows", [1, 50])
def test_chart_query_budget(rows, login, personas, django_assert_max_num_queries):
    PatientFactory.create_batch(rows)
    client = login(personas.psychiatrist)
    _queries(
        django_assert_max_num_queries,
        client,
        reverse("patient_detail", args=[personas.patient_a.pk]),
        14,  # 12 for the chart, 2 for the outcomes panel (measures, session days)
    )


@pytest.mark.parametrize("rows", [1, 50])
def test_audit_log_query_budget(rows, login, personas, django_assert_max_num_queries):
    from clinic.audit import audit_record

    for _ in range(rows):
        audit_record(action="view", user=personas.nurse, patient=personas.patient_a)
    client = login(personas.admin)
    _queries(django_assert_max_num_queries, client, reverse("audit_log"), 12)
