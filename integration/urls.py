from __future__ import annotations

from django.urls import path

from integration import views

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("patients/<int:patient_id>/notes/", views.patient_notes, name="patient_notes"),
    path("patients/<int:patient_id>/notes/new/", views.note_new, name="note_new"),
    path("notes/<int:note_id>/", views.note_detail, name="note_detail"),
    path("notes/<int:note_id>/addendum/", views.note_addendum, name="note_addendum"),
    path("notes/<int:note_id>/discard/", views.note_discard, name="note_discard"),
    path("groups/new/", views.group_new, name="group_new"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("my/practices/", views.my_practices, name="my_practices"),
    path("my/questionnaires/", views.pre_session_measures, name="pre_session_measures"),
    path("patients/<int:patient_id>/outcomes/", views.patient_outcomes, name="patient_outcomes"),
    path("outcomes/", views.clinic_outcomes, name="clinic_outcomes"),
]
