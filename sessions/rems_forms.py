"""REMS Patient Monitoring Form versions shipped with the product.

Migration 0012 seeds the current one; `ensure_rems_form_versions` restores it when a test
database was flushed (and never changes a version: a new REMS form is a new code).
"""

from __future__ import annotations

import datetime as dt

from sessions.models import RemsFormVersion

# The current Spravato REMS Patient Monitoring Form (session-monitoring.md §9).
REMS_MONITORING_2025: list[dict[str, object]] = [
    {
        "section": "Patient",
        "fields": [
            ["patient_name", "Patient name"],
            ["date_of_birth", "Date of birth"],
            ["sex", "Sex"],
            ["rems_patient_id", "REMS patient enrollment ID"],
            ["first_treatment", "Is this the patient's first treatment?"],
        ],
    },
    {
        "section": "Healthcare setting",
        "fields": [
            ["setting_name", "Healthcare setting name"],
            ["setting_address", "Address"],
            ["rems_certification_id", "REMS certification ID"],
            ["prescriber_name", "Prescriber"],
            ["prescriber_phone", "Prescriber phone"],
            ["prescriber_email", "Prescriber email"],
            ["monitor_name", "Monitoring healthcare provider"],
            ["monitor_phone", "Monitoring provider phone"],
            ["monitor_email", "Monitoring provider email"],
        ],
    },
    {
        "section": "Treatment",
        "fields": [
            ["treatment_date", "Treatment date"],
            ["dose_mg", "Dose (28, 56 or 84 mg)"],
            ["device_count", "Number of devices"],
            ["lot_number", "Lot number"],
        ],
    },
    {
        "section": "Concomitant medications at the time of treatment",
        "fields": [
            ["comed_benzodiazepine", "Benzodiazepines"],
            ["comed_sedative_hypnotic", "Non-benzodiazepine sedative hypnotics"],
            ["comed_stimulant", "Psychostimulants"],
            ["comed_maoi", "Monoamine oxidase inhibitors (MAOIs)"],
            ["comed_opioid", "Opioids"],
        ],
    },
    {
        "section": "Monitoring",
        "fields": [
            ["bp_before", "Blood pressure before dosing"],
            ["bp_40min", "Blood pressure about 40 minutes after dosing"],
            ["bp_end", "Blood pressure before the end of monitoring"],
            ["vitals_ok_before", "Vital signs acceptable before dosing?"],
            ["vitals_ok_end", "Vital signs acceptable at the end of monitoring?"],
            ["pulse_oximetry", "Pulse oximetry used?"],
        ],
    },
    {
        "section": "Sedation, dissociation and respiratory depression",
        "fields": [
            ["sedation", "Did sedation occur?"],
            ["sedation_resolved_at", "Time sedation resolved"],
            ["dissociation", "Did dissociation occur?"],
            ["dissociation_resolved_at", "Time dissociation resolved"],
            ["respiratory_depression", "Did respiratory depression occur?"],
            ["respiratory_resolved_at", "Time respiratory depression resolved"],
        ],
    },
    {
        "section": "End of monitoring",
        "fields": [
            ["monitoring_minutes", "Total minutes from the first device to the end of monitoring"],
            [
                "ready_minutes",
                "Minutes after the first device when the patient would have been clinically "
                "ready to leave, had there been no 2-hour requirement",
            ],
            ["serious_adverse_events", "Serious adverse events"],
            ["sae_reported", "Serious adverse events reported?"],
        ],
    },
]


SHIPPED = {
    "rems-monitoring-2025": {
        "title": "Spravato REMS Patient Monitoring Form",
        "effective_from": dt.date(2025, 1, 1),
        "layout": REMS_MONITORING_2025,
    }
}


def ensure_rems_form_versions() -> None:
    for code, values in SHIPPED.items():
        RemsFormVersion.objects.get_or_create(code=code, defaults=values)
