from __future__ import annotations

from django.urls import path

from sessions.views import floor, records
from sessions.views.scheduling import (
    boosters,
    calendars,
    changes,
    patient_sessions,
    plans,
    portal,
    series,
)

urlpatterns = [
    path("patients/<int:patient_id>/plan/", plans.plan, name="plan"),
    path("patients/<int:patient_id>/book/", series.book_series, name="book_series"),
    path(
        "patients/<int:patient_id>/sessions/",
        patient_sessions.patient_sessions,
        name="patient_sessions",
    ),
    path(
        "patients/<int:patient_id>/benefit-review/",
        patient_sessions.benefit_review,
        name="benefit_review",
    ),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        changes.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        changes.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<int:appointment_id>/no-show/",
        changes.appointment_no_show,
        name="appointment_no_show",
    ),
    path("boosters/", boosters.boosters_due, name="boosters_due"),
    path(
        "cancelled-eligibility/",
        boosters.eligibility_cancellations,
        name="eligibility_cancellations",
    ),
    path("patients/<int:patient_id>/booster/", boosters.booster_book, name="booster_book"),
    path(
        "patients/<int:patient_id>/booster/order/",
        boosters.booster_order,
        name="booster_order",
    ),
    path("my/booster/", boosters.booster_request, name="booster_request"),
    path("my/health-check/", portal.my_health_check, name="my_health_check"),
    path("my/sessions/", portal.my_sessions, name="my_sessions"),
    path("my/sessions.ics", portal.my_sessions_ics, name="my_sessions_ics"),
    path("calendar/", calendars.calendar_day, name="calendar_day"),
    path("calendar/week/", calendars.calendar_week, name="calendar_week"),
    path("calendar/subscribe/", calendars.calendar_subscribe, name="calendar_subscribe"),
    path("calendar/feed/<str:token>.ics", calendars.calendar_feed, name="calendar_feed"),
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
