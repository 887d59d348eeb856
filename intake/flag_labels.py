"""Plain words for the screening engine's flag codes and severities (issue 15, 4).

The codes are the engine's contract (spec/engine-api.md) and stay as they are; people
read these labels, with the code after them in small print for the psychiatrist."""

from __future__ import annotations

FLAG_LABELS = {
    "AGE_65_PLUS": "Age 65 or older",
    "ALCOHOL_HEAVY": "Heavy alcohol use",
    "BENZODIAZEPINE": "Takes a benzodiazepine",
    "BIPOLAR_NO_STABILIZER": "Bipolar disorder without a mood stabilizer",
    "BIPOLAR_RECENT_MANIA": "Bipolar disorder with recent mania",
    "BIPOLAR_UNCERTAIN": "Bipolar disorder: mood stabilizer not known",
    "BLADDER_DISEASE": "Bladder disease",
    "BP_NOT_RECORDED": "Blood pressure not recorded",
    "BREASTFEEDING": "Breastfeeding",
    "CARDIAC_DISEASE": "Heart disease",
    "FAMILY_PSYCHOSIS": "Psychosis in the family",
    "HEPATIC_MODERATE": "Moderate liver disease",
    "HEPATIC_SEVERE": "Severe liver disease",
    "HYPERTENSION_ELEVATED": "Raised blood pressure",
    "HYPERTENSION_SEVERE": "Severe high blood pressure",
    "HYPERTENSION_UNCONTROLLED": "Uncontrolled high blood pressure",
    "HYPERTENSIVE_ENCEPHALOPATHY": "Hypertensive encephalopathy",
    "HYPERTHYROIDISM_UNTREATED": "Untreated overactive thyroid",
    "INCOMPLETE": "Intake incomplete",
    "INTRACEREBRAL_HEMORRHAGE": "Bleeding in the brain",
    "KETAMINE_HYPERSENSITIVITY": "Allergy to ketamine",
    "KETAMINE_MISUSE_PAST": "Past ketamine misuse",
    "KETAMINE_MISUSE_RECENT": "Recent ketamine misuse",
    "LAMOTRIGINE": "Takes lamotrigine",
    "MAOI": "Takes an MAO inhibitor",
    "NALTREXONE": "Takes naltrexone",
    "NO_ESCORT": "No one to take them home",
    "OPIOID": "Takes an opioid",
    "PORPHYRIA": "Porphyria",
    "PREGNANCY_POSSIBLE": "Pregnancy possible",
    "PREGNANT": "Pregnant",
    "PRIOR_STROKE": "Past stroke",
    "PSYCHOSIS_ACTIVE": "Current psychotic symptoms",
    "PSYCHOSIS_RECENT": "Psychotic symptoms in the past 12 months",
    "PSYCHOTIC_DISORDER": "Psychotic disorder",
    "RAISED_ICP": "Raised pressure inside the skull",
    "RAISED_IOP": "Raised pressure in the eye",
    "RECENT_MI": "Recent heart attack",
    "RECENT_STROKE": "Recent stroke",
    "SEDATIVE_HYPNOTIC": "Takes a sedative or sleeping medicine",
    "SLEEP_APNEA_UNTREATED": "Untreated sleep apnea",
    "STIMULANT": "Takes a stimulant",
    "SUBSTANCE_USE_ACTIVE": "Current substance use",
    "SUBSTANCE_USE_HISTORY": "Past substance use",
    "SUICIDAL_IDEATION": "Thoughts of self-harm (PHQ-9 question 9)",
    "SUICIDE_ATTEMPT_PAST": "Past suicide attempt",
    "SUICIDE_RISK": "Positive suicide risk screen",
    "SUICIDE_RISK_ACUTE": "Acute suicide risk",
    "THEOPHYLLINE": "Takes theophylline",
    "UNDER_18": "Under 18",
    "VASCULAR_ANEURYSM": "Aneurysm or vascular malformation",
}

SEVERITY_LABELS = {
    "absolute": "Contraindication",
    "relative": "Relative contraindication",
    "urgent": "Urgent",
    "info": "For information",
}


def flag_label(code: str) -> str:
    """The plain label, or the code made readable for a code without one."""
    return FLAG_LABELS.get(code) or code.replace("_", " ").capitalize()


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity.capitalize())
