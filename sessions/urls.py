from __future__ import annotations

from django.urls import path

from sessions.views import floor, records
from sessions.views import scheduling as views

urlpatterns = [
    path("patients/<int:patient_id>/plan/", views.plan, name="plan"),
    path("patients/<int:patient_id>/book/", views.book_series, name="book_series"),
    path("patients/<int:patient_id>/sessions/", views.patient_sessions, name="patient_sessions"),
    path(
        "patients/<int:patient_id>/benefit-review/",
        views.benefit_review,
        name="benefit_review",
    ),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        views.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<int:appointment_id>/no-show/",
        views.appointment_no_show,
        name="appointment_no_show",
    ),
    path("boosters/", views.boosters_due, name="boosters_due"),
    path(
        "cancelled-eligibility/",
        views.eligibility_cancellations,
        name="eligibility_cancellations",
    ),
    path("patients/<int:patient_id>/booster/", views.booster_book, name="booster_book"),
    path(
        "patients/<int:patient_id>/booster/order/",
        views.booster_order,
        name="booster_order",
    ),
    path("my/booster/", views.booster_request, name="booster_request"),
    path("my/health-check/", views.my_health_check, name="my_health_check"),
    path("my/sessions/", views.my_sessions, name="my_sessions"),
    path("my/sessions.ics", views.my_sessions_ics, name="my_sessions_ics"),
    path("calendar/", views.calendar_day, name="calendar_day"),
    path("calendar/week/", views.calendar_week, name="calendar_week"),
    path("calendar/subscribe/", views.calendar_subscribe, name="calendar_subscribe"),
    path("calendar/feed/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path(
        "appointments/<int:appointment_id>/check-in/",
        records.appointment_check_in,
        name="appointment_check_in",
    ),
    path("sessions/<int:session_id>/", records.session_record, name="session_record"),
    path("sessions/<int:session_id>/rems/", floor.session_rems, name="session_rems"),
    path(
        "sessions/<int:session_id>/<slug:action>/",
        records.session_action,
        name="session_action",
    ),
    path("board/", floor.nurse_board, name="nurse_board"),
    path("board/live/", floor.nurse_board_live, name="nurse_board_live"),
    path("rems/", floor.rems_forms_due, name="rems_forms_due"),
    path("sessions/to-cosign/", floor.cosign_queue, name="cosign_queue"),
]
