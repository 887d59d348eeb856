"""A client restricted to one location reads what happened there: patient by patient was
not enough (a patient of the location also treated elsewhere took their other visits
along). Encounters, appointments, doses, vital signs and events of sessions at another
location are not found; the location itself is the only Location it reads."""

from __future__ import annotations

from django.test import Client

from fhir.resources.R4B.bundle import Bundle
from tests.factories import (
    AccessTokenFactory,
    AdverseEventFactory,
    ApiClientFactory,
    ChairFactory,
    DoseRecordFactory,
    IntegrationNoteFactory,
    LocationFactory,
    TreatmentSessionFactory,
    VitalReadingFactory,
)


def _session_elsewhere(personas) -> object:
    """A session of patient_a in a chair of a second location (Northside)."""
    chair = ChairFactory(location=LocationFactory(name="Northside", dea_number="AN1234562"))
    return TreatmentSessionFactory(
        patient=personas.patient_a, opened_by=personas.nurse, appointment__chair=chair
    )


def _get(path: str) -> object:
    return Client().get(f"/fhir/r4/{path}", headers={"Authorization": "Bearer at-one-place"})


def _ids(path: str) -> set[str]:
    response = _get(path)
    assert response.status_code == 200, response.content
    return {entry.resource.id for entry in Bundle.model_validate_json(response.content).entry or []}


def test_a_location_client_reads_only_what_happened_at_its_location(personas, record) -> None:
    AccessTokenFactory(raw="at-one-place", client=ApiClientFactory(location=record.location))
    elsewhere = _session_elsewhere(personas)
    away_reading = VitalReadingFactory(session=elsewhere, recorded_by=personas.nurse)
    away_dose = DoseRecordFactory(session=elsewhere, recorded_by=personas.nurse)
    away_event = AdverseEventFactory(session=elsewhere)
    here_event = AdverseEventFactory(session=record.session)
    other_location = elsewhere.appointment.chair.location
    patient = personas.patient_a.pk

    assert _ids(f"Encounter?patient={patient}") == {str(record.session.pk)}
    assert _ids(f"Appointment?patient={patient}") == {str(record.session.appointment.pk)}
    assert _ids(f"MedicationAdministration?patient={patient}") == {str(record.dose.pk)}
    assert _ids(f"AdverseEvent?patient={patient}") == {str(here_event.pk)}
    vitals = _ids(f"Observation?patient={patient}&category=vital-signs")
    assert vitals and all(f"-{away_reading.pk}-" not in i for i in vitals)
    assert f"wt-{record.dose.pk}" in vitals and f"wt-{away_dose.pk}" not in vitals
    assert _ids(f"Observation?patient={patient}&category=survey")  # a survey has no place
    assert _ids("Location") == {str(record.location.pk)}
    for path in (
        f"Encounter/{elsewhere.pk}",
        f"Appointment/{elsewhere.appointment.pk}",
        f"MedicationAdministration/{away_dose.pk}",
        f"AdverseEvent/{away_event.pk}",
        f"Observation/vs-{away_reading.pk}-hr",
        f"Observation/wt-{away_dose.pk}",
        f"Location/{other_location.pk}",
    ):
        assert _get(path).status_code == 404, path
    assert _get(f"Encounter/{record.session.pk}").status_code == 200
    assert _get(f"Location/{record.location.pk}").status_code == 200


def test_an_unrestricted_client_reads_every_location(personas, record) -> None:
    AccessTokenFactory(raw="at-one-place", client=ApiClientFactory())
    elsewhere = _session_elsewhere(personas)

    assert _ids(f"Encounter?patient={personas.patient_a.pk}") == {
        str(record.session.pk),
        str(elsewhere.pk),
    }
    assert len(_ids("Location")) == 2


def test_a_location_client_with_notes_reads_only_the_notes_of_its_sessions(
    personas, record
) -> None:
    """Psychotherapy notes about a session at another location, or about no session, stay
    out of a location client's reads, even with notes turned on."""
    AccessTokenFactory(
        raw="at-one-place", client=ApiClientFactory(location=record.location, notes=True)
    )
    elsewhere = _session_elsewhere(personas)

    def note(*sessions):
        return IntegrationNoteFactory(
            patient=personas.patient_a,
            author=personas.therapist,
            signed=True,
            sessions=list(sessions),
        )

    here_note = note(record.session)
    away_note = note(elsewhere)
    both_note = note(record.session, elsewhere)
    unlinked = note()
    patient = personas.patient_a.pk

    listed = {i for i in _ids(f"DocumentReference?patient={patient}") if i.startswith("note-")}
    everything = _get(f"Patient/{patient}/$everything").content.decode()

    assert listed == {f"note-{here_note.pk}"}
    assert _get(f"DocumentReference/note-{here_note.pk}").status_code == 200
    for note in (away_note, both_note, unlinked):
        assert _get(f"DocumentReference/note-{note.pk}").status_code == 404
        assert f"note-{note.pk}" not in everything
    assert f"note-{here_note.pk}" in everything
