"""The portal's reminder preferences page: channel, the patient's own quiet hours for
text messages, opting out — saved through an audited service, and the reminders not yet
sent follow the change at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from clinic.models import AuditEvent, Patient, Reminder
from clinic.tasks import queue_due_reminders
from tests.clinic.test_reminders import NY, booked  # noqa: F401 (a fixture)

URL = reverse("my_reminder_preferences")


@pytest.fixture
def alice(personas, login):
    patient = personas.patient_a
    patient.email = "alice@patients.example"
    patient.phone = "+16175550111"
    patient.reminder_channel = "email"
    patient.save()
    return login(patient.user)


def checked_channel(body: str) -> str:
    """The value of the one reminder-channel radio button that is checked."""
    radios = re.findall(r'<input[^>]*name="reminder_channel"[^>]*>', body)
    checked = [r for r in radios if " checked" in r]
    assert len(radios) == 4 and len(checked) == 1
    return re.search(r'value="([a-z]+)"', checked[0]).group(1)


def stored(personas) -> Patient:
    return Patient.objects.get(pk=personas.patient_a.pk)


def test_the_page_shows_the_current_choice_and_the_clinic_quiet_hours(alice) -> None:
    body = alice.get(URL).content.decode()
    assert "How should we send appointment reminders?" in body
    assert checked_channel(body) == "email"
    assert "9:00 PM to 8:00 AM (the clinic's)" in body
    assert "alice@patients.example" in body


def test_a_patient_saves_text_messages_with_their_own_quiet_hours(alice, personas) -> None:
    response = alice.post(
        URL, {"reminder_channel": "sms", "sms_quiet_start": "22:00", "sms_quiet_end": "07:30"}
    )
    assert response.status_code == 302
    page = alice.get(URL).content.decode()
    assert "Your reminder preferences are saved." in page
    assert "10:00 PM to 7:30 AM (yours)" in page
    patient = stored(personas)
    assert (patient.reminder_channel, patient.sms_quiet_start, patient.sms_quiet_end) == (
        "sms",
        dt.time(22),
        dt.time(7, 30),
    )
    audit = AuditEvent.objects.filter(
        action="update", object_type="clinic.reminder_preferences", patient=patient
    )
    assert audit.count() == 1
    # The same form sent twice (a double tap) changes nothing and writes no second row.
    alice.post(
        URL, {"reminder_channel": "sms", "sms_quiet_start": "22:00", "sms_quiet_end": "07:30"}
    )
    assert audit.count() == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("22:00", "", "Enter when the quiet hours end, or clear both times."),
        ("", "07:00", "Enter when the quiet hours start, or clear both times."),
        ("22:00", "22:00", "The quiet hours must end at a different time than they start."),
        ("18:00", "09:00", "Quiet hours can last at most 12 hours"),
        ("25:99", "07:00", "Enter a valid time."),
    ],
)
def test_invalid_quiet_hours_are_refused_next_to_the_field_and_nothing_is_saved(
    alice, personas, start, end, message
) -> None:
    response = alice.post(
        URL, {"reminder_channel": "both", "sms_quiet_start": start, "sms_quiet_end": end}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "Nothing has been saved yet." in body
    assert checked_channel(body) == "both"  # what they chose stays chosen
    typed = re.search(r'<input[^>]*name="sms_quiet_start"[^>]*>', body).group(0)
    assert f'value="{start}"' in typed
    patient = stored(personas)
    assert (patient.reminder_channel, patient.sms_quiet_start) == ("email", None)


def test_text_messages_without_a_mobile_number_are_refused(alice, personas) -> None:
    Patient.objects.filter(pk=personas.patient_a.pk).update(phone="")
    response = alice.post(URL, {"reminder_channel": "sms"})
    body = response.content.decode()
    assert "Text-message reminders need a mobile number." in body
    assert "call the clinic" in body
    assert stored(personas).reminder_channel == "email"


def test_staff_have_no_reminder_preferences_page(login, personas) -> None:
    response = login(personas.coordinator).get(URL)
    assert response.status_code in (403, 404)


def test_the_patient_menu_links_to_the_page(alice) -> None:
    assert f'href="{URL}">Reminders</a>' in alice.get(reverse("home")).content.decode()


# --- The change reaches the reminders not sent yet ------------------------------------------


def _patient_rows(patient: Patient):
    return Reminder.objects.filter(patient=patient, recipient__isnull=True)


def test_opting_out_cancels_every_pending_reminder_and_none_is_sent(
    booked,  # noqa: F811
    login,
    personas,
    settings,
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    patient = personas.patient_a
    assert _patient_rows(patient).filter(status="pending").count() == 20
    login(patient.user).post(URL, {"reminder_channel": "none"})
    assert not _patient_rows(patient).filter(status="pending").exists()
    assert queue_due_reminders() == 0  # the booking confirmation is not sent either
    assert mail.outbox == []
    cancelled = _patient_rows(patient).filter(status="cancelled").first()
    assert cancelled.last_error == "The patient changed their reminder preferences."


def test_turning_reminders_back_on_brings_them_back(booked, login, personas) -> None:  # noqa: F811
    client = login(personas.patient_a.user)
    client.post(URL, {"reminder_channel": "none"})
    client.post(URL, {"reminder_channel": "email"})
    pending = _patient_rows(personas.patient_a).filter(status="pending")
    # The reminders still ahead come back by email (the 2-hour one too: it prefers a
    # text message only when both channels are chosen); the booking confirmation, due
    # when the series was booked, is not sent late.
    assert sorted(pending.values_list("kind", "channel")) == sorted(
        [("session_24h", "email")] * 6 + [("session_2h", "email")] * 6
    )


def test_own_quiet_hours_hold_the_next_text_message_until_they_end(
    booked,  # noqa: F811
    login,
    personas,
) -> None:
    first = booked[0]  # 10:00 New York: its 2-hour text is due at 08:00
    text = Reminder.objects.get(
        kind="session_2h", channel="sms", target__startswith=f"appointment:{first.pk}/"
    )
    assert text.due_at == first.start - dt.timedelta(hours=2)
    client = login(personas.patient_a.user)
    client.post(
        URL, {"reminder_channel": "both", "sms_quiet_start": "21:00", "sms_quiet_end": "09:00"}
    )
    held = Reminder.objects.get(
        kind="session_2h",
        channel="sms",
        status="pending",
        target__startswith=f"appointment:{first.pk}/",
    )
    assert held.due_at.astimezone(NY).time() == dt.time(9)
    assert held.due_at.astimezone(NY).date() == first.start.astimezone(NY).date()
    text.refresh_from_db()
    assert text.status == "cancelled"
    # Back to the clinic's hours (switched off in this test clinic): due at 08:00 again.
    client.post(URL, {"reminder_channel": "both", "sms_quiet_start": "", "sms_quiet_end": ""})
    text.refresh_from_db()
    assert text.status == "pending" and text.due_at == first.start - dt.timedelta(hours=2)
    held.refresh_from_db()
    assert held.status == "cancelled"


def test_a_staff_message_about_the_patient_is_never_touched(booked, login, personas) -> None:  # noqa: F811
    from clinic.notifications import reminders

    reminders.send_now("urgent:999", [personas.psychiatrist], patient=personas.patient_a)
    login(personas.patient_a.user).post(URL, {"reminder_channel": "none"})
    urgent = Reminder.objects.filter(kind="urgent_alert")
    assert urgent.count() == 1 and urgent.get().status == "pending"


def test_a_coordinator_correcting_the_number_redirects_the_pending_texts(
    booked,  # noqa: F811
    personas,
) -> None:
    from clinic import services

    services.patient_update_details(
        patient=personas.patient_a,
        actor=personas.coordinator,
        changes={"phone": "+16175550199"},
    )
    texts = _patient_rows(personas.patient_a).filter(channel="sms", status="pending")
    assert texts.count() == 13
    assert set(texts.values_list("address", flat=True)) == {"+16175550199"}


def test_the_service_refuses_another_patient_and_impossible_hours(personas) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from clinic import services

    with pytest.raises(PermissionDenied):
        services.patient_set_reminder_preferences(
            patient=personas.patient_a,
            actor=personas.patient_b.user,
            channel="none",
            sms_quiet_start=None,
            sms_quiet_end=None,
        )
    with pytest.raises(ValidationError) as refused:
        services.patient_set_reminder_preferences(
            patient=personas.patient_a,
            actor=personas.patient_a.user,
            channel="email",
            sms_quiet_start=dt.time(7),
            sms_quiet_end=dt.time(7),
        )
    assert "sms_quiet_end" in refused.value.message_dict
    assert stored(personas).reminder_channel != "none"
