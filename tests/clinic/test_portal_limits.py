"""A patient cannot queue unlimited work from the portal: documents to render and
questionnaire sendings are limited per hour, with a message on the page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from clinic.models import Document
from clinic.services import PORTAL_DOCUMENTS_PER_HOUR
from intake.models import MeasureResult
from integration.services import PORTAL_QUESTIONNAIRES_PER_HOUR

ANSWERS = {f"phq9_q{n}": "1" for n in range(1, 9)} | {"phq9_q9": "0"}


def test_a_patient_asks_for_a_limited_number_of_documents_per_hour(personas, login) -> None:
    patient = login(personas.patient_a.user)
    ask = {"kind": "course_summary_patient"}
    for _ in range(PORTAL_DOCUMENTS_PER_HOUR):
        patient.post(reverse("my_documents"), ask)
    page = patient.post(reverse("my_documents"), ask, follow=True).content.decode()
    assert f"You have asked for {PORTAL_DOCUMENTS_PER_HOUR} documents in the past hour." in page
    assert Document.objects.filter(patient=personas.patient_a).count() == 10
    # An hour later the patient may ask again.
    Document.objects.update(requested_at=timezone.now() - dt.timedelta(minutes=61))
    page = patient.post(reverse("my_documents"), ask, follow=True).content.decode()
    assert "Document requested: it is listed below" in page
    assert Document.objects.filter(patient=personas.patient_a).count() == 11


def test_the_document_limit_is_the_patients_own_not_the_clinics(personas, login) -> None:
    for _ in range(PORTAL_DOCUMENTS_PER_HOUR):
        login(personas.patient_b.user).post(
            reverse("my_documents"), {"kind": "course_summary_patient"}
        )
    page = login(personas.patient_a.user).post(
        reverse("my_documents"), {"kind": "course_summary_patient"}, follow=True
    )
    assert "Document requested: it is listed below" in page.content.decode()


def test_a_patient_sends_questionnaires_a_limited_number_of_times_per_hour(personas, login) -> None:
    patient = login(personas.patient_a.user)
    for _ in range(PORTAL_QUESTIONNAIRES_PER_HOUR):
        response = patient.post(reverse("pre_session_measures"), ANSWERS)
        assert "your answers are with your care team" in response.content.decode()
    refused = patient.post(reverse("pre_session_measures"), ANSWERS)
    body = refused.content.decode()
    assert f"You have sent your questionnaires {PORTAL_QUESTIONNAIRES_PER_HOUR} times" in body
    assert refused.context["form"].data["phq9_q1"] == "1"  # what was typed is kept
    assert MeasureResult.objects.filter(patient=personas.patient_a).count() == 5
    MeasureResult.objects.update(taken_at=timezone.now() - dt.timedelta(minutes=61))
    again = patient.post(reverse("pre_session_measures"), ANSWERS).content.decode()
    assert "your answers are with your care team" in again
