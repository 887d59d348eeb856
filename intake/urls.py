from __future__ import annotations

from django.urls import path

from intake import views

urlpatterns = [
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("welcome/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("intake/", views.intake_home, name="intake_home"),
    path("intake/review/", views.intake_review, name="intake_review"),
    path("intake/<slug:slug>/", views.intake_step, name="intake_step"),
    path("alerts/<int:alert_id>/", views.urgent_alert, name="urgent_alert"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("reviews/<int:patient_id>/", views.review, name="review"),
]
