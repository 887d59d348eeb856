"""Reminder kinds are declared by the app that sends them (clinic.notifications.kinds):
each kind once, with its label shown wherever a reminder is listed, and a clinical kind
hidden from roles that may not learn that it went out."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.forms import modelform_factory
from django.template.loader import get_template

from clinic.models import Reminder
from clinic.notifications import kinds
from clinic.selectors import reminder_history
from intake import reminders as intake_reminders
from sessions import reminders as session_reminders
from tests.factories import ReminderFactory


def _no_context(reminder: Reminder) -> None:
    return None


def test_each_app_declares_its_own_kinds() -> None:
    declared_by = {spec.value: spec.context.__module__ for spec in kinds.KINDS.values()}
    assert declared_by == {
        "urgent_alert": "clinic.notifications.kinds",
        "intake_incomplete": "intake.reminders",
        "review_waiting": "intake.reminders",
        "booking_confirmation": "sessions.reminders",
        "session_24h": "sessions.reminders",
        "session_2h": "sessions.reminders",
        "booster_due": "sessions.reminders",
        "rems_form_due": "sessions.reminders",
        "inventory_due": "controlled.services.inventories",
    }
    assert intake_reminders.INTAKE_INCOMPLETE == "intake_incomplete"
    assert session_reminders.SESSION_24H == "session_24h"


def test_a_kind_is_declared_once() -> None:
    with pytest.raises(ImproperlyConfigured, match="already defined"):
        kinds.define_kind(session_reminders.SESSION_24H, "Again", context=_no_context)
    with pytest.raises(ImproperlyConfigured, match="already defined"):
        kinds.define_kind(kinds.URGENT_ALERT, "Another alert", context=_no_context)
    assert kinds.KINDS["session_24h"].label == "Session in 24 hours"
    assert kinds.KINDS["urgent_alert"].context.__module__ == "clinic.notifications.kinds"


def test_a_kind_too_long_to_store_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="1 to 24 characters"):
        kinds.define_kind("a_kind_longer_than_the_column", "Too long", context=_no_context)
    assert "a_kind_longer_than_the_column" not in kinds.KINDS


def test_the_model_takes_its_choices_from_the_registry() -> None:
    field = Reminder._meta.get_field("kind")
    # A migration refers to the callable, so a kind added by an app needs no migration.
    assert field.deconstruct()[3]["choices"] is kinds.kind_choices
    assert field.max_length == kinds.KIND_MAX_LENGTH


def test_labels_are_shown_for_every_kind() -> None:
    assert dict(kinds.kind_choices()) == {
        "booking_confirmation": "Booking confirmation",
        "session_24h": "Session in 24 hours",
        "session_2h": "Session in 2 hours",
        "intake_incomplete": "Intake not finished",
        "booster_due": "Booster due",
        "review_waiting": "Intake waiting for review",
        "rems_form_due": "REMS form due",
        "urgent_alert": "Urgent alert",
        "inventory_due": "Controlled-substance inventory due",
    }
    assert Reminder(kind="review_waiting").get_kind_display() == "Intake waiting for review"
    form_choices = dict(modelform_factory(Reminder, fields=["kind"])().fields["kind"].choices)
    assert form_choices["session_2h"] == "Session in 2 hours"
    assert form_choices["urgent_alert"] == "Urgent alert"


def test_only_the_urgent_alert_is_clinical_and_only_the_2h_notice_prefers_sms() -> None:
    assert kinds.clinical_kinds() == {"urgent_alert"}
    assert [value for value in kinds.KINDS if kinds.prefers_sms(value)] == ["session_2h"]
    assert not kinds.prefers_sms("no_such_kind")
    assert kinds.context_builder("no_such_kind") is None


@pytest.mark.parametrize("kind", [value for value, _ in kinds.kind_choices()])
def test_every_kind_has_its_messages(kind: str) -> None:
    for part in ("subject.txt", "body.txt", "body.html", "sms.txt"):
        get_template(f"emails/reminder_{kind}_{part}")


@pytest.mark.django_db
def test_a_clinical_kind_an_app_declares_is_hidden_from_roles_without_the_right(
    personas, monkeypatch
) -> None:
    spec = kinds.ReminderKindSpec("test_clinical", "A clinical fact", _no_context, clinical=True)
    monkeypatch.setitem(kinds.KINDS, spec.value, spec)
    ReminderFactory(patient=personas.patient_a, kind="test_clinical", target="fact:1/p/email")
    ReminderFactory(patient=personas.patient_a, target="appointment:1/p/email")

    def seen_by(user) -> list[str]:
        return sorted(row.kind for row in reminder_history(personas.patient_a, user))

    assert seen_by(personas.coordinator) == ["session_24h"]
    assert seen_by(personas.psychiatrist) == ["session_24h", "test_clinical"]
