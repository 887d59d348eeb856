"""Integration notes: lifecycle and immutability, who sees them, group notes, the portal's
share filter, and the risk check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from intake.models import UrgentAlert
from integration import services
from integration.models import IntegrationNote
from integration.selectors import group_roster, notes_visible_to, shared_with_patient


def draft_input(**overrides: object) -> services.NoteInput:
    values = {
        "date": timezone.localdate(),
        "modality": "in_person",
        "minutes": 50,
        "interventions": ["act", "mindfulness"],
        "risk_suicidal_thoughts": False,
        "share_practices": True,
        "texts": {
            "experience": "Felt a sense of distance from the old story about failing.",
            "themes": "Self-compassion; grief about father.",
            "intentions": "Call my sister this week.",
            "practices": "Ten minutes of breath practice each morning.",
            "plan": "Integration again after session 3.",
        },
    }
    values.update(overrides)
    return services.NoteInput(**values)


def signed_note(personas, **overrides: object) -> IntegrationNote:
    note = services.note_start(
        patient=personas.patient_a, note_type="integration", actor=personas.therapist
    )
    services.note_save_draft(note=note, data=draft_input(**overrides), actor=personas.therapist)
    return services.note_sign(note=note, actor=personas.therapist)


def test_signing_stores_author_time_and_a_hash_and_locks_the_note(personas) -> None:
    note = signed_note(personas)
    assert note.status == "signed" and note.signed_at is not None
    assert note.content_hash == IntegrationNote.hash_of(note.signed_content)
    fresh = IntegrationNote.objects.get(pk=note.pk)
    assert fresh.verify()
    with pytest.raises(ValidationError, match="addendum"):
        services.note_save_draft(note=note, data=draft_input(), actor=personas.therapist)
    fresh.themes = "rewritten"
    with pytest.raises(PermissionError):
        fresh.save()
    with pytest.raises(PermissionError):
        IntegrationNote.objects.filter(pk=note.pk).update(themes="rewritten")
    services.note_addendum_write(
        note=note, reason="Correction", text="Sister's name is Ana.", actor=personas.therapist
    )
    again = IntegrationNote.objects.get(pk=note.pk)
    assert again.signed_content == note.signed_content and again.verify()
    assert again.addenda.get().text == "Sister's name is Ana."


def test_addenda_of_notes_and_session_records_are_append_only(personas, chairside) -> None:
    from sessions.models import SessionAddendum
    from sessions.services import records

    note = signed_note(personas)
    with pytest.raises(ValidationError) as refused:
        services.note_addendum_write(note=note, reason=" ", text="", actor=personas.therapist)
    assert set(refused.value.message_dict) == {"reason", "text"}
    on_note = services.note_addendum_write(
        note=note, reason="Correction", text="Sister's name is Ana.", actor=personas.therapist
    )
    session = chairside.open(personas.nurse)
    with pytest.raises(ValidationError) as refused:
        records.addendum_write(session=session, reason="", text="x", actor=personas.nurse)
    assert set(refused.value.message_dict) == {"reason"}
    on_session = records.addendum_write(
        session=session, reason="Late entry", text="Nausea at home.", actor=personas.nurse
    )
    for addendum in (on_note, on_session):
        addendum.text = "rewritten"
        with pytest.raises(PermissionError):
            addendum.save()
        with pytest.raises(PermissionError):
            addendum.delete()
        with pytest.raises(PermissionError):
            type(addendum).objects.filter(pk=addendum.pk).update(text="rewritten")
        with pytest.raises(PermissionError):
            type(addendum).objects.filter(pk=addendum.pk).delete()
    assert SessionAddendum.objects.get(pk=on_session.pk).text == "Nausea at home."


def test_the_database_refuses_to_change_a_signed_note(personas) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("The trigger is proven on PostgreSQL; run the suite on PostgreSQL.")
    note = signed_note(personas)
    for sql in (
        "UPDATE integration_integrationnote SET themes = 'x' WHERE id = %s",
        "DELETE FROM integration_integrationnote WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="locked"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [note.pk])
    assert IntegrationNote.objects.get(pk=note.pk).verify()


def test_signing_needs_the_risk_check_and_some_content(personas) -> None:
    note = services.note_start(
        patient=personas.patient_a, note_type="preparation", actor=personas.therapist
    )
    services.note_save_draft(
        note=note,
        data=draft_input(risk_suicidal_thoughts=None, texts={}, minutes=None),
        actor=personas.therapist,
    )
    with pytest.raises(ValidationError) as caught:
        services.note_sign(note=note, actor=personas.therapist)
    assert set(caught.value.message_dict) == {"minutes", "risk_suicidal_thoughts", "experience"}


def test_a_yes_in_the_risk_check_raises_the_urgent_alert(
    personas, django_capture_on_commit_callbacks
) -> None:
    note = services.note_start(
        patient=personas.patient_a, note_type="integration", actor=personas.therapist
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.note_save_draft(
            note=note,
            data=draft_input(risk_suicidal_thoughts=True, risk_plan=False),
            actor=personas.therapist,
        )
    alert = UrgentAlert.objects.get(patient=personas.patient_a)
    assert "integration note" in alert.reason and alert.acknowledged_at is None


def test_drafts_are_visible_only_to_their_author(personas) -> None:
    note = services.note_start(
        patient=personas.patient_a, note_type="integration", actor=personas.therapist
    )
    for user in (personas.psychiatrist, personas.other_therapist, personas.nurse):
        assert not notes_visible_to(user).filter(pk=note.pk).exists()
    assert notes_visible_to(personas.therapist).filter(pk=note.pk).exists()


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("therapist", True),
        ("psychiatrist", True),
        ("other_therapist", False),
        ("coordinator", False),
        ("nurse", False),
        ("admin", False),
    ],
)
def test_who_sees_a_signed_note(personas, persona: str, sees: bool) -> None:
    note = signed_note(personas)
    assert notes_visible_to(getattr(personas, persona)).filter(pk=note.pk).exists() is sees
    assert not notes_visible_to(personas.patient_a.user).exists()


def test_only_therapists_write_notes_for_their_caseload(personas) -> None:
    with pytest.raises(PermissionDenied):
        services.note_start(
            patient=personas.patient_a, note_type="integration", actor=personas.nurse
        )
    with pytest.raises(PermissionDenied):
        services.note_start(
            patient=personas.patient_a, note_type="integration", actor=personas.other_therapist
        )


def test_a_group_session_gives_each_participant_their_own_note(personas) -> None:
    from tests.factories import PatientFactory

    third = PatientFactory(therapist=personas.therapist, legal_last_name="Okafor")
    personas.patient_b.therapist = personas.other_therapist
    personas.patient_b.save(update_fields=["therapist"])
    with pytest.raises(ValidationError, match="caseload"):
        services.group_session_create(
            date=timezone.localdate(), modality="in_person", minutes=90, topic="Grief",
            patients=[personas.patient_a, personas.patient_b], actor=personas.therapist,
        )  # fmt: skip
    group = services.group_session_create(
        date=timezone.localdate(), modality="in_person", minutes=90, topic="Grief",
        patients=[personas.patient_a, third], actor=personas.therapist,
    )  # fmt: skip
    notes = IntegrationNote.objects.filter(group=group)
    assert {n.patient_id for n in notes} == {personas.patient_a.pk, third.pk}
    assert all(n.note_type == "group_integration" and n.status == "draft" for n in notes)
    roster = group_roster(personas.other_therapist, group)
    assert [note for _patient, note in roster] == [None, None]


def test_the_portal_shows_only_what_was_shared(personas) -> None:
    signed_note(personas)  # practices shared, intentions not
    (shared,) = shared_with_patient(personas.patient_a)
    assert shared.practices.startswith("Ten minutes of breath practice")
    assert shared.intentions == ""
    unsent = services.note_start(
        patient=personas.patient_a, note_type="integration", actor=personas.therapist
    )
    services.note_save_draft(
        note=unsent, data=draft_input(share_practices=False, share_intentions=True),
        actor=personas.therapist,
    )  # fmt: skip
    assert len(shared_with_patient(personas.patient_a)) == 1  # drafts are never shared


def test_notes_can_link_only_the_patient_s_own_sessions(personas) -> None:
    note = services.note_start(
        patient=personas.patient_a, note_type="integration", actor=personas.therapist
    )
    with pytest.raises(ValidationError, match="this patient's"):
        services.note_save_draft(
            note=note, data=draft_input(session_ids=[999999]), actor=personas.therapist
        )


def test_future_dates_and_unknown_interventions_are_refused(personas) -> None:
    note = services.note_start(
        patient=personas.patient_a, note_type="integration", actor=personas.therapist
    )
    with pytest.raises(ValidationError) as caught:
        services.note_save_draft(
            note=note,
            data=draft_input(
                date=timezone.localdate() + dt.timedelta(days=1), interventions=["ecstasy"]
            ),
            actor=personas.therapist,
        )
    assert set(caught.value.message_dict) == {"date", "interventions"}


def test_a_draft_is_voided_with_a_reason_never_deleted(personas, login) -> None:
    note = services.note_start(
        patient=personas.patient_a, note_type="integration", actor=personas.therapist
    )
    therapist = login(personas.therapist)
    therapist.post(reverse("note_discard", args=[note.pk]), {"reason": ""})
    assert IntegrationNote.objects.get(pk=note.pk).status == "draft"  # a reason is required
    therapist.post(
        reverse("note_discard", args=[note.pk]), {"reason": "Opened for the wrong patient"}
    )
    voided = IntegrationNote.objects.get(pk=note.pk)
    assert voided.status == "voided" and voided.void_reason == "Opened for the wrong patient"
    assert not notes_visible_to(personas.therapist).filter(pk=note.pk).exists()
    with pytest.raises(PermissionError):
        voided.delete()
    with pytest.raises(PermissionError):
        IntegrationNote.objects.filter(pk=note.pk).delete()


def test_an_overlong_addendum_is_a_form_error_and_keeps_the_text(personas, login) -> None:
    note = signed_note(personas)
    pasted = "A very long paste. " * 400  # 7,600 characters: over the 5,000 limit
    page = login(personas.therapist).post(
        reverse("note_addendum", args=[note.pk]), {"reason": "Correction", "text": pasted}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ensure this value has at most 5000 characters" in html
    assert "A very long paste." in html  # what was typed is still there
    assert not note.addenda.exists()
