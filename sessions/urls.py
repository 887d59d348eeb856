from __future__ import annotations

from django.urls import path

from sessions import views

urlpatterns = [
    path("patients/<int:patient_id>/plan/", views.plan, name="plan"),
]
