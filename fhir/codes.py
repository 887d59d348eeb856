"""Every code system and code the API emits, in one place (spec fhir.md §1).

LOINC for observations and instruments, UCUM for units, RxNorm for the two drugs, SNOMED
CT for routes, HL7 terminology for categories, classes and roles. A mapper never writes a
code of its own; the tests check the emitted codes against this table and the spec's.
"""

from __future__ import annotations

from dataclasses import dataclass

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ADMINISTRATIVE_GENDER = "http://hl7.org/fhir/administrative-gender"
US_CORE_BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"

# The clinic's own identifier systems (record numbers, staff logins, locations).
MRN_SYSTEM = "urn:ketamine-clinic:mrn"
STAFF_SYSTEM = "urn:ketamine-clinic:staff"
LOCATION_SYSTEM = "urn:ketamine-clinic:location"

VITAL_SIGNS = "vital-signs"
SURVEY = "survey"
CATEGORY_DISPLAY = {VITAL_SIGNS: "Vital Signs", SURVEY: "Survey"}


@dataclass(frozen=True)
class Code:
    code: str
    display: str
    system: str = LOINC


@dataclass(frozen=True)
class Vital:
    """One kind of vital-sign Observation made from a reading's field(s)."""

    key: str  # the id suffix: vs-<reading>-<key>
    codes: tuple[Code, ...]  # the first is the main code; US Core pulse oximetry adds one
    fields: tuple[str, ...]  # VitalReading fields it needs (any one present)
    unit: str = ""
    ucum: str = ""


BP_SYSTOLIC = Code("8480-6", "Systolic blood pressure")
BP_DIASTOLIC = Code("8462-4", "Diastolic blood pressure")
MM_HG = "mm[Hg]"

VITALS: tuple[Vital, ...] = (
    Vital(
        "bp",
        (Code("85354-9", "Blood pressure panel with all children optional"),),
        ("systolic", "diastolic"),
    ),
    Vital("hr", (Code("8867-4", "Heart rate"),), ("heart_rate",), "beats/minute", "/min"),
    Vital("rr", (Code("9279-1", "Respiratory rate"),), ("resp_rate",), "breaths/minute", "/min"),
    Vital(
        "spo2",
        (
            Code("2708-6", "Oxygen saturation in Arterial blood"),
            Code("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ),
        ("spo2",),
        "%",
        "%",
    ),
    Vital("temp", (Code("8310-5", "Body temperature"),), ("temperature_c",), "C", "Cel"),
)
VITAL_BY_KEY = {vital.key: vital for vital in VITALS}
# Body weight is not part of a reading: it is the weight a dose was calculated from.
BODY_WEIGHT = Vital("wt", (Code("29463-7", "Body weight"),), ("weight_kg",), "kg", "kg")
# Any LOINC code a client may search by (`Observation?code=`) → the vital it names.
VITAL_BY_CODE = {code.code: vital for vital in (*VITALS, BODY_WEIGHT) for code in vital.codes}


@dataclass(frozen=True)
class Instrument:
    """A scored questionnaire: its panel (the Questionnaire) and its total-score code."""

    panel: Code
    total: Code


INSTRUMENTS: dict[str, Instrument] = {
    "phq9": Instrument(
        Code("44249-1", "PHQ-9 quick depression assessment panel"),
        Code("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
    ),
    "gad7": Instrument(
        Code("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
        Code("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
    ),
    "pcl5": Instrument(
        Code("101697-1", "Post traumatic stress disorder checklist - civilian version DSM-5"),
        Code("101698-9", "PTSD PCL-5 score"),
    ),
}
INSTRUMENT_BY_TOTAL_CODE = {item.total.code: key for key, item in INSTRUMENTS.items()}

# Drugs (RxNorm): racemic ketamine as the ingredient; esketamine as the nasal spray.
DRUGS: dict[str, Code] = {
    "ketamine": Code("6130", "ketamine", RXNORM),
    "esketamine": Code("2201623", "esketamine Nasal Spray", RXNORM),
}

# Routes of administration (SNOMED CT), by the treatment route of the session.
ROUTES: dict[str, Code] = {
    "iv": Code("47625008", "Intravenous route", SNOMED),
    "im": Code("78421000", "Intramuscular route", SNOMED),
    "intranasal_esketamine": Code("46713006", "Nasal route", SNOMED),
    "oral": Code("26643006", "Oral route", SNOMED),
}

AMBULATORY = Code("AMB", "ambulatory", ACT_CODE)
PRIMARY_PERFORMER = Code("PPRF", "primary performer", PARTICIPATION_TYPE)
PARTICIPANT = Code("PART", "Participation", PARTICIPATION_TYPE)

# Adverse events: SNOMED CT where the finding has a well-known code, and always the
# clinic's own code for the type recorded (so every event is coded).
ADVERSE_EVENT_TYPE_SYSTEM = "urn:ketamine-clinic:adverse-event-type"
ADVERSE_EVENT_SNOMED: dict[str, Code] = {
    "nausea": Code("422587007", "Nausea", SNOMED),
    "vomiting": Code("422400008", "Vomiting", SNOMED),
    "headache": Code("25064002", "Headache", SNOMED),
    "dizziness": Code("404640003", "Dizziness", SNOMED),
    "anxiety_agitation": Code("48694002", "Anxiety", SNOMED),
    "hypertension": Code("38341003", "Hypertensive disorder", SNOMED),
    "tachycardia": Code("3424008", "Tachycardia", SNOMED),
}
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
# AdverseEvent.outcome has a required binding to this system's codes. The clinic records
# the outcome in the nurse's words, so it is sent as `unknown` (not coded) with the words
# as the text: never a guessed "resolved".
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"

# Consent to treatment.
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
PATIENT_CONSENT = Code("59284-0", "Patient Consent")

# Generated documents by kind: LOINC document codes.
DOCUMENT_TYPES: dict[str, Code] = {
    "session_record": Code("11506-3", "Progress note"),
    "rems_form": Code("51851-4", "Administrative note"),
    "decision_letter": Code("51851-4", "Administrative note"),
    "course_summary": Code("34133-9", "Summary of episode note"),
    "course_summary_patient": Code("34133-9", "Summary of episode note"),
}
ADMINISTRATIVE_NOTE = Code("51851-4", "Administrative note")
# Signed integration-therapy notes (psychotherapy notes: served only to clients whose
# registration includes notes). LOINC's "Mental health Progress note" says more than
# the generic 11506-3 progress note, which stays the session record's code.
INTEGRATION_NOTE = Code("34904-3", "Mental health Progress note")
