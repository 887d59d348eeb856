from __future__ import annotations

from django.urls import path

from intake.views import invitations, patient_intake, review

urlpatterns = [
    path("invitations/", invitations.invitation_list, name="invitation_list"),
    path("invitations/new/", invitations.invitation_create, name="invitation_create"),
    path(
        "invitations/<int:invitation_id>/resend/",
        invitations.invitation_resend,
        name="invitation_resend",
    ),
    path("welcome/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("intake/", patient_intake.intake_home, name="intake_home"),
    path("intake/review/", patient_intake.intake_review, name="intake_review"),
    path("intake/<slug:slug>/", patient_intake.intake_step, name="intake_step"),
    path(
        "patients/<int:patient_id>/intake/review/",
        patient_intake.staff_intake_review,
        name="staff_intake_review",
    ),
    path(
        "patients/<int:patient_id>/intake/<slug:slug>/",
        patient_intake.staff_intake_step,
        name="staff_intake_step",
    ),
    path("alerts/<int:alert_id>/", review.urgent_alert, name="urgent_alert"),
    path("reviews/", review.review_queue, name="review_queue"),
    path("reviews/<int:patient_id>/", review.review, name="review"),
]
