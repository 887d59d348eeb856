"""Factories for the integration app: group sessions, integration notes (draft or
signed), note addenda and the clinic outcomes snapshot."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from clinic.choices import Role
from integration.models import (
    GroupSession,
    IntegrationNote,
    Modality,
    NoteAddendum,
    NoteStatus,
    NoteType,
    OutcomesSnapshot,
)
from tests.factories.clinic import PatientFactory, PatientRecordFactory, staff


class GroupSessionFactory(factory.django.DjangoModelFactory):
    """A 90-minute in-person group integration meeting today, run by a therapist."""

    class Meta:
        model = GroupSession

    date = factory.LazyFunction(timezone.localdate)
    modality = Modality.IN_PERSON
    minutes = 90
    topic = "Carrying insights into daily life"
    facilitator = staff(Role.THERAPIST)


class IntegrationNoteFactory(PatientRecordFactory):
    """A therapist's draft integration note of a 50-minute session today, filled enough to
    sign. `sessions=[...]` links treatment sessions; `signed=True` signs it as
    `integration.services.note_sign` does (content serialised and hashed, locked).
    Trait `group`: a group-integration note of a new group session."""

    class Meta:
        model = IntegrationNote
        skip_postgeneration_save = True

    class Params:
        group_note = factory.Trait(
            note_type=NoteType.GROUP_INTEGRATION,
            group=factory.SubFactory(
                GroupSessionFactory, facilitator=factory.SelfAttribute("..author")
            ),
            minutes=factory.SelfAttribute("group.minutes"),
        )

    patient = factory.SubFactory(PatientFactory, in_treatment=True)
    note_type = NoteType.INTEGRATION
    author = staff(Role.THERAPIST)
    status = NoteStatus.DRAFT
    date = factory.LazyFunction(timezone.localdate)
    modality = Modality.IN_PERSON
    minutes = 50
    experience = "Felt held and calm; saw an old memory of her father with less fear."
    themes = "Self-compassion; grief that had been kept at a distance."
    emotional_state = "Tearful at times, settled by the end."
    risk_suicidal_thoughts = False
    risk_plan = False
    protective_factors = "Close sister; daily walks; looking forward to a new job."
    interventions = factory.LazyFunction(lambda: ["act", "mindfulness"])
    intentions = "Call her sister weekly."
    practices = "Ten minutes of breathing practice each morning."
    plan = "Next integration session after the fourth infusion."

    @factory.post_generation
    def sessions(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.sessions.set(extracted)

    @factory.post_generation
    def signed(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not (create and extracted):
            return
        content = IntegrationNote.serialise(self.content())
        self.status = NoteStatus.SIGNED
        self.signed_at = timezone.now()
        self.signed_content = content
        self.content_hash = IntegrationNote.hash_of(content)
        self.save()


class NoteAddendumFactory(PatientRecordFactory):
    """A correction under a signed note, by the note's author."""

    class Meta:
        model = NoteAddendum

    note = factory.SubFactory(IntegrationNoteFactory, signed=True)
    author = factory.SelfAttribute("note.author")
    reason = "Correction"
    text = "The memory discussed was of her grandfather, not her father."


class OutcomesSnapshotFactory(factory.django.DjangoModelFactory):
    """The clinic outcomes report as just calculated: counts per protocol, no patient."""

    class Meta:
        model = OutcomesSnapshot

    calculated_at = factory.LazyFunction(timezone.now)
    rows = factory.LazyFunction(
        lambda: [
            {
                "protocol": "IV standard",
                "finished": 12,
                "measured": 10,
                "response": 6,
                "remission": 3,
            },
            {
                "protocol": "Esketamine induction",
                "finished": 5,
                "measured": 5,
                "response": 2,
                "remission": 1,
            },
        ]
    )
