"""Urgent suicide-risk alerts: a banner for psychiatrists until acknowledged with an action."""

from __future__ import annotations

from django.urls import reverse

from clinic.models import AuditEvent
from intake.models import UrgentAlert
from intake.services import urgent_alert_raise


def raise_alert(personas) -> UrgentAlert:
    return urgent_alert_raise(
        patient=personas.patient_a,
        code="SUICIDAL_IDEATION",
        reason="PHQ-9 question 9 answered 2.",
        source="intake.phq9",
    )


def test_every_psychiatrist_sees_the_banner_on_every_page(login, personas) -> None:
    raise_alert(personas)
    for url in (reverse("home"), reverse("patient_list")):
        body = login(personas.psychiatrist).get(url).content.decode()
        assert "Urgent safety alert waiting for a psychiatrist" in body
        assert "Alice Quillfeather" in body


def test_other_roles_do_not_see_the_banner(login, personas) -> None:
    raise_alert(personas)
    for user in (personas.nurse, personas.coordinator, personas.admin, personas.patient_a.user):
        assert "Urgent safety alert" not in login(user).get(reverse("home")).content.decode()


def test_acknowledging_needs_an_action_note_and_then_the_banner_goes(login, personas) -> None:
    alert = raise_alert(personas)
    client = login(personas.psychiatrist)
    url = reverse("urgent_alert", args=[alert.pk])
    page = client.get(url).content.decode()
    assert "PHQ-9 question 9 answered 2." in page
    short = client.post(url, {"action_note": "called"})
    assert "at least 10 characters" in short.content.decode()
    assert UrgentAlert.objects.get().is_open
    done = client.post(url, {"action_note": "Called patient; safety plan reviewed; seen tomorrow."})
    assert done["Location"] == reverse("patient_detail", args=[personas.patient_a.pk])
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.is_open) == (personas.psychiatrist, False)
    assert "Urgent safety alert" not in client.get(reverse("home")).content.decode()
    assert "Acknowledged by" in client.get(url).content.decode()
    assert AuditEvent.objects.filter(object_type="intake.urgentalert", action="update").exists()


def test_an_open_alert_is_not_raised_twice(personas) -> None:
    assert raise_alert(personas) == raise_alert(personas)
    assert UrgentAlert.objects.count() == 1


def test_an_acute_screen_is_named_acute_in_the_banner(login, personas) -> None:
    raise_alert(personas)
    urgent_alert_raise(
        patient=personas.patient_a,
        code="SUICIDE_RISK_ACUTE",
        reason="ASQ acute positive during the intake.",
        source="intake.asq",
    )
    body = login(personas.psychiatrist).get(reverse("home")).content.decode()
    assert "— acute suicide risk, raised" in body
    assert "— suicide risk, raised" in body  # the PHQ-9 one: two lines, told apart


def test_an_open_alert_takes_the_newest_reason_and_keeps_the_first_in_its_history(
    personas,
) -> None:
    first = urgent_alert_raise(
        patient=personas.patient_a,
        code="SUICIDAL_IDEATION",
        reason="PHQ-9 question 9 answered 1 (intake step saved unfinished).",
        source="intake.phq9",
    )
    second = urgent_alert_raise(
        patient=personas.patient_a,
        code="SUICIDAL_IDEATION",
        reason="PHQ-9 question 9 answered 3 during the intake.",
        source="intake.phq9",
    )
    assert second.pk == first.pk and UrgentAlert.objects.count() == 1
    assert UrgentAlert.objects.get().reason == "PHQ-9 question 9 answered 3 during the intake."
    reasons = set(UrgentAlert.history.values_list("reason", flat=True))
    assert "PHQ-9 question 9 answered 1 (intake step saved unfinished)." in reasons
    assert AuditEvent.objects.filter(action="update", object_id=str(first.pk)).count() == 1
