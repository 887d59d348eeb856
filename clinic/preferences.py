"""Rules for a patient's reminder preferences (spec reminders-and-documents.md §1). Pure:
no I/O; the portal form, the coordinator's details form and the service ask these."""

from __future__ import annotations

import datetime as dt

from clinic.choices import ReminderChannel

# Longer quiet hours would hold a session's text reminders past most of the day.
MAX_QUIET_HOURS = 12


def missing_contacts(channel: str, *, email: str, phone: str) -> dict[str, str]:
    """What the chosen channel needs and the record lacks, by contact field."""
    missing = {}
    if channel in (ReminderChannel.SMS, ReminderChannel.BOTH) and not phone:
        missing["phone"] = "Text-message reminders need a mobile number."
    if channel in (ReminderChannel.EMAIL, ReminderChannel.BOTH) and not email:
        missing["email"] = "Email reminders need an email address."
    return missing


def quiet_hours_length(start: dt.time, end: dt.time) -> dt.timedelta:
    """How long the quiet hours last; they may run past midnight (21:00 to 08:00)."""
    day = dt.date(2000, 1, 1)
    length = dt.datetime.combine(day, end) - dt.datetime.combine(day, start)
    return length if length > dt.timedelta(0) else length + dt.timedelta(days=1)


def quiet_hours_errors(start: dt.time | None, end: dt.time | None) -> dict[str, str]:
    """Problems with the quiet hours a patient chose, by field (`sms_quiet_start`,
    `sms_quiet_end`); both empty means the clinic's hours."""
    if start is None and end is None:
        return {}
    if start is None:
        return {"sms_quiet_start": "Enter when the quiet hours start, or clear both times."}
    if end is None:
        return {"sms_quiet_end": "Enter when the quiet hours end, or clear both times."}
    if start == end:
        return {"sms_quiet_end": "The quiet hours must end at a different time than they start."}
    if quiet_hours_length(start, end) > dt.timedelta(hours=MAX_QUIET_HOURS):
        return {
            "sms_quiet_end": (
                f"Quiet hours can last at most {MAX_QUIET_HOURS} hours, so that text "
                "reminders still reach you during the day."
            )
        }
    return {}
