"""Every emitted resource parses back with fhir.resources R4B, with the spec's codes."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from clinic.models import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

# The spec's table (fhir.md §1): LOINC code → UCUM unit.
VITAL_SIGNS = {
    "85354-9": None,
    "8867-4": "/min",
    "9279-1": "/min",
    "2708-6": "%",
    "8310-5": "Cel",
}


def _bundle(response) -> Bundle:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "searchset"
    return bundle


def test_patient_is_us_core_shaped_with_record_number_and_birth_sex(api, personas) -> None:
    patient = personas.patient_a
    patient.sex_at_birth = "female"
    patient.save(update_fields=["sex_at_birth"])

    response = api(personas.nurse).get(f"Patient/{patient.pk}")

    parsed = Patient.model_validate_json(response.content)
    assert parsed.identifier[0].value == patient.mrn
    assert parsed.identifier[0].system == "urn:ketamine-clinic:mrn"
    assert parsed.name[0].family == "Quillfeather"
    assert parsed.birthDate == patient.date_of_birth
    assert parsed.extension[0].valueCode == "F"
    assert parsed.gender == "unknown"


def test_patient_search_by_name_identifier_and_birthdate(api, personas) -> None:
    client = api(personas.coordinator)
    born = personas.patient_a.date_of_birth.isoformat()

    by_name = _bundle(client.get("Patient?name=quill"))
    by_mrn = _bundle(client.get(f"Patient?identifier={personas.patient_a.mrn}"))
    by_birth = _bundle(client.get(f"Patient?birthdate=ge{born}&birthdate=le{born}"))
    other_system = _bundle(client.get(f"Patient?identifier=urn:x|{personas.patient_a.mrn}"))

    assert [e.resource.id for e in by_name.entry] == [str(personas.patient_a.pk)]
    assert [e.resource.id for e in by_mrn.entry] == [str(personas.patient_a.pk)]
    assert str(personas.patient_a.pk) in [e.resource.id for e in by_birth.entry]
    assert other_system.entry is None


def test_vital_signs_carry_the_spec_codes_and_units(api, personas, record) -> None:
    response = api(personas.nurse).get(
        f"Observation?patient={personas.patient_a.pk}&category=vital-signs"
    )

    observations = [entry.resource for entry in _bundle(response).entry]
    by_code = {o.code.coding[0].code: o for o in observations}
    weight = by_code.pop("29463-7")
    assert set(by_code) == set(VITAL_SIGNS)
    for code, unit in VITAL_SIGNS.items():
        observation = Observation.model_validate(by_code[code].model_dump())
        assert observation.category[0].coding[0].code == "vital-signs"
        assert observation.code.coding[0].system == LOINC
        assert observation.encounter.reference == f"Encounter/{record.session.pk}"
        assert observation.effectiveDateTime == record.reading.taken_at
        if unit:
            value = observation.valueQuantity
            assert (value.system, value.code) == (UCUM, unit)
    bp = by_code["85354-9"]
    components = {c.code.coding[0].code: c.valueQuantity for c in bp.component}
    assert components["8480-6"].value == 124
    assert components["8462-4"].value == 78
    assert components["8480-6"].code == "mm[Hg]"
    assert {c.code for c in by_code["2708-6"].code.coding} == {"2708-6", "59408-5"}
    assert float(by_code["8310-5"].valueQuantity.value) == 36.8
    # Body weight: the weight the dose was calculated from.
    assert (float(weight.valueQuantity.value), weight.valueQuantity.code) == (80.0, "kg")
    assert weight.valueQuantity.system == UCUM
    assert weight.effectiveDateTime == record.dose.started_at
    assert weight.id == f"wt-{record.dose.pk}"


def test_a_phq9_total_is_a_survey_observation(api, personas, record) -> None:
    response = api(personas.therapist).get(f"Observation/sv-{record.measure.pk}")

    observation = Observation.model_validate_json(response.content)
    assert observation.category[0].coding[0].code == "survey"
    assert observation.code.coding[0].code == "44261-6"
    assert observation.valueQuantity.value == 14
    assert len(observation.component) == 9
    assert observation.component[0].code.text.startswith("Little interest")
    assert observation.performer[0].reference == f"Patient/{personas.patient_a.pk}"


def test_search_by_code_and_date_narrows_observations(api, personas, record) -> None:
    client = api(personas.psychiatrist)
    # A date without a time is a day on the clinic's clock (the reading may be taken
    # after midnight UTC and before midnight in the clinic).
    day = timezone.localdate(record.reading.taken_at).isoformat()

    heart = _bundle(client.get(f"Observation?code=http://loinc.org|8867-4&date=ge{day}"))
    survey = _bundle(client.get("Observation?code=44261-6"))
    later = _bundle(client.get("Observation?date=ge2999-01-01"))

    assert [e.resource.id for e in heart.entry] == [f"vs-{record.reading.pk}-hr"]
    assert [e.resource.id for e in survey.entry] == [f"sv-{record.measure.pk}"]
    assert later.entry is None


def test_a_reading_entered_in_error_says_so(api, personas, record) -> None:
    from django.utils import timezone

    reading = record.reading
    reading.entered_in_error_at = timezone.now()
    reading.entered_in_error_by = personas.nurse
    reading.entered_in_error_reason = "Wrong patient"
    reading.save()

    response = api(personas.nurse).get(f"Observation/vs-{reading.pk}-hr")

    assert Observation.model_validate_json(response.content).status == "entered-in-error"


def test_encounter_is_the_session_with_its_location(api, personas, record) -> None:
    response = api(personas.nurse).get(f"Encounter/{record.session.pk}")

    encounter = Encounter.model_validate_json(response.content)
    assert encounter.class_fhir.code == "AMB"
    assert encounter.status == "in-progress"
    assert encounter.subject.reference == f"Patient/{personas.patient_a.pk}"
    assert encounter.location[0].location.reference == f"Location/{record.location.pk}"
    patient = f"Patient/{personas.patient_a.pk}"
    searched = _bundle(api(personas.nurse).get(f"Encounter?patient={patient}"))
    assert [e.resource.id for e in searched.entry] == [str(record.session.pk)]


def test_the_dose_is_a_medication_administration_coded_rxnorm_and_snomed(
    api, personas, record
) -> None:
    response = api(personas.nurse).get(f"MedicationAdministration/{record.dose.pk}")

    given = MedicationAdministration.model_validate_json(response.content)
    medication = given.contained[0]
    assert medication.code.coding[0].system == "http://www.nlm.nih.gov/research/umls/rxnorm"
    assert medication.code.coding[0].code == "6130"
    assert medication.batch.lotNumber == record.dose.lot_number
    assert given.medicationReference.reference == "#medication"
    assert given.dosage.route.coding[0].code == "47625008"
    assert given.dosage.route.coding[0].system == "http://snomed.info/sct"
    assert float(given.dosage.dose.value) == 40.0
    assert given.dosage.dose.code == "mg"
    assert given.dosage.rateQuantity.code == "mg/min"
    assert given.context.reference == f"Encounter/{record.session.pk}"
    searched = _bundle(
        api(personas.nurse).get(f"MedicationAdministration?patient={personas.patient_a.pk}")
    )
    assert [e.resource.id for e in searched.entry] == [str(record.dose.pk)]


def test_an_infusion_still_running_is_never_reported_as_a_full_dose_given(api, personas) -> None:
    """A receiving system must not read the plan as given: running → in-progress with
    only a start and no amount; paused → on-hold; ended → completed with the amount."""
    from tests.factories import DoseRecordFactory, InfusionPauseFactory
    from tests.fhir.conftest import add_session

    session = add_session(personas.patient_a, personas.nurse)
    dose = DoseRecordFactory(session=session, recorded_by=personas.nurse, ended_at=None)
    client = api(personas.nurse)

    running = MedicationAdministration.model_validate_json(
        client.get(f"MedicationAdministration/{dose.pk}").content
    )
    assert running.status == "in-progress"
    assert running.dosage.dose is None
    assert running.dosage.text == "Ordered 40 mg over 40 min; infusion running"
    assert running.dosage.rateQuantity.code == "mg/min"
    assert running.effectivePeriod.start is not None and running.effectivePeriod.end is None
    assert running.effectiveDateTime is None

    InfusionPauseFactory(session=session, recorded_by=personas.nurse, resumed_at=None)
    paused = MedicationAdministration.model_validate_json(
        client.get(f"MedicationAdministration/{dose.pk}").content
    )
    assert paused.status == "on-hold"
    assert paused.dosage.text == "Ordered 40 mg over 40 min; infusion paused"
    assert paused.dosage.dose is None

    dose.ended_at = dose.started_at + dt.timedelta(minutes=40)
    dose.save(update_fields=["ended_at"])
    ended = MedicationAdministration.model_validate_json(
        client.get(f"MedicationAdministration/{dose.pk}").content
    )
    assert ended.status == "completed"
    assert float(ended.dosage.dose.value) == 40.0
    assert ended.effectivePeriod.end is not None


def test_an_infusion_stopped_early_says_what_was_given_before_the_stop(api, personas) -> None:
    from tests.factories import DoseRecordFactory
    from tests.fhir.conftest import add_session

    session = add_session(personas.patient_a, personas.nurse)
    dose = DoseRecordFactory(
        session=session, recorded_by=personas.nurse, stopped_early=True, given_mg="27.0"
    )

    stopped = MedicationAdministration.model_validate_json(
        api(personas.nurse).get(f"MedicationAdministration/{dose.pk}").content
    )

    assert stopped.status == "stopped"
    assert float(stopped.dosage.dose.value) == 27.0
    assert stopped.dosage.text == "Ordered 40 mg over 40 min; stopped early"
    assert stopped.effectivePeriod.end is not None


def test_directory_never_shows_the_dea_number(api, personas, record) -> None:
    client = api(personas.admin)

    location = client.get(f"Location/{record.location.pk}")
    locations = client.get("Location")
    organization = client.get("Organization/1")
    practitioner = client.get(f"Practitioner/{personas.psychiatrist.pk}")

    assert Location.model_validate_json(location.content).name == record.location.name
    assert "AB1234563" not in location.content.decode() + locations.content.decode()
    assert Organization.model_validate_json(organization.content).name == "Test Clinic"
    doctor = Practitioner.model_validate_json(practitioner.content)
    assert doctor.name[0].family == "Raman"
    assert doctor.name[0].prefix == ["Dr."]
    assert client.get(f"Practitioner/{personas.coordinator.pk}").status_code == 404


def test_a_read_writes_one_view_row_naming_the_resource(api, personas, record) -> None:
    api(personas.nurse).get(f"Observation/vs-{record.reading.pk}-bp")
    api(personas.nurse).get(f"Observation?patient={personas.patient_a.pk}")

    rows = AuditEvent.objects.filter(user=personas.nurse, action="view").order_by("id")
    assert [(r.object_type, r.object_id, r.patient_id) for r in rows][:1] == [
        ("fhir.Observation", f"vs-{record.reading.pk}-bp", personas.patient_a.pk)
    ]
    search_row = rows[1]
    assert search_row.object_type == "fhir.Observation"
    assert search_row.object_id.startswith("search 7: ")
    assert search_row.patient_id == personas.patient_a.pk
    assert rows.count() == 2
    assert "Quillfeather" not in json.dumps([r.path for r in rows])


def test_body_weight_is_searched_by_its_loinc_code_and_read_by_id(api, personas, record) -> None:
    client = api(personas.nurse)

    weights = _bundle(client.get("Observation?code=29463-7"))
    read = client.get(f"Observation/wt-{record.dose.pk}")

    assert [e.resource.id for e in weights.entry] == [f"wt-{record.dose.pk}"]
    assert Observation.model_validate_json(read.content).code.coding[0].code == "29463-7"
    assert api(personas.other_therapist).get(f"Observation/wt-{record.dose.pk}").status_code == 404


def test_a_spravato_dose_is_what_its_devices_delivered(api, personas) -> None:
    """Three devices recorded, one entered in error: 56 mg given, whatever was planned."""
    from django.utils import timezone

    from sessions.models.doses import Drug
    from tests.factories import DeviceDoseFactory, DoseRecordFactory, TreatmentSessionFactory

    session = TreatmentSessionFactory(patient=personas.patient_a, esketamine=True)
    dose = DoseRecordFactory(
        session=session,
        drug=Drug.ESKETAMINE,
        mg_per_kg=None,
        total_mg=84,
        planned_minutes=None,
        ended_at=None,
    )
    DeviceDoseFactory(session=session)
    DeviceDoseFactory(session=session)
    DeviceDoseFactory(
        session=session, entered_in_error_at=timezone.now(), entered_in_error_by=personas.nurse
    )

    response = api(personas.nurse).get(f"MedicationAdministration/{dose.pk}")

    given = MedicationAdministration.model_validate_json(response.content)
    assert float(given.dosage.dose.value) == 56.0
    # Two of three devices so far, the session not over: still being given.
    assert given.status == "in-progress"
    assert given.dosage.text == "Ordered 84 mg (3 devices); 2 given so far"
    assert given.effectivePeriod.end is None and given.effectiveDateTime is None
    assert given.dosage.route.coding[0].code == "46713006"
    assert given.contained[0].code.coding[0].code == "2201623"


def test_a_search_across_patients_writes_a_row_for_each_patient_it_disclosed(
    api, personas, record
) -> None:
    """A patient's accounting of disclosures shows a search that took their record along
    with others': the search's row, then one row per patient on the page."""
    from tests.fhir.conftest import add_session

    other = add_session(personas.patient_b, personas.nurse)
    from tests.factories import VitalReadingFactory

    VitalReadingFactory(session=other, recorded_by=personas.nurse)

    api(personas.nurse).get("Observation?category=vital-signs")

    rows = list(
        AuditEvent.objects.filter(
            user=personas.nurse, action="view", object_type="fhir.Observation"
        )
        .order_by("id")
        .values_list("patient_id", "object_id")
    )
    assert rows[0][0] is None and rows[0][1].startswith("search ")
    assert {patient for patient, _ in rows[1:]} == {personas.patient_a.pk, personas.patient_b.pk}
    assert all("theirs" in shown for _, shown in rows[1:])
    assert len(rows) == 3
