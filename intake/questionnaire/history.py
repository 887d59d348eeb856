"""The history steps: about you, why treatment, mental health, alcohol and drugs, heart and
brain, pregnancy, getting home. Questions are worded for patients; a medical term gets
help text."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils import timezone

from clinic.choices import ReminderChannel, SexAtBirth
from clinic.fields import ClinicDateField
from clinic.forms import normalise_phone, normalise_postal_code, validate_birth_date
from intake.questionnaire.base import (
    FollowUp,
    StepForm,
    contract_follow_up,
    date_field,
    yes_no,
)

# --- About you ---------------------------------------------------------------------------


class AboutYouForm(StepForm):
    legal_first_name = forms.CharField(label="First name (legal)", max_length=80)
    legal_last_name = forms.CharField(label="Last name (legal)", max_length=80)
    preferred_name = forms.CharField(
        label="Name you would like us to use", max_length=80, required=False
    )
    date_of_birth = ClinicDateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sex_at_birth = forms.ChoiceField(
        label="Sex assigned at birth",
        choices=SexAtBirth.choices,
        widget=forms.RadioSelect,
        help_text="We ask this for medical safety (for example, pregnancy questions).",
    )
    pronouns = forms.CharField(label="Pronouns", max_length=40, required=False)
    phone = forms.CharField(label="Mobile phone", max_length=32)
    email = forms.EmailField(label="Email")
    address_line1 = forms.CharField(label="Street address", max_length=120)
    address_line2 = forms.CharField(
        label="Apartment, suite (optional)", max_length=120, required=False
    )
    city = forms.CharField(label="City", max_length=80)
    region = forms.CharField(label="State", max_length=80)
    postal_code = forms.CharField(label="ZIP code", max_length=20)
    emergency_contact_name = forms.CharField(label="Emergency contact: name", max_length=120)
    emergency_contact_phone = forms.CharField(label="Emergency contact: phone", max_length=32)
    emergency_contact_relationship = forms.CharField(
        label="Emergency contact: how you know them",
        max_length=60,
        help_text="For example: partner, parent, friend.",
    )
    reminder_channel = forms.ChoiceField(
        label="How should we send appointment reminders?",
        choices=ReminderChannel.choices,
        widget=forms.RadioSelect,
    )

    def clean_date_of_birth(self) -> Any:
        return validate_birth_date(self.cleaned_data["date_of_birth"])

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean_emergency_contact_phone(self) -> str:
        return normalise_phone(self.cleaned_data["emergency_contact_phone"])

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data["postal_code"])

    def to_answers(self) -> dict[str, Any]:
        stored = super().to_answers()
        if stored.get("sex_at_birth") == SexAtBirth.MALE:
            # The pregnancy step does not apply; record that rather than leave it unanswered
            # (breastfeeding is then not asked, so `tidy_answers` drops any earlier answer).
            stored["pregnancy_status"] = "not_applicable"
        elif self.answers.get("sex_at_birth") == SexAtBirth.MALE:
            stored["pregnancy_status"] = None  # ask again: the step now applies
        return stored


# --- Why you are seeking treatment ------------------------------------------------------------


class TreatmentReasonsForm(StepForm):
    primary_concern = forms.ChoiceField(
        label="What is the main reason you are seeking treatment?",
        choices=[
            ("depression", "Depression"),
            ("anxiety", "Anxiety"),
            ("ptsd", "Post-traumatic stress (PTSD)"),
            ("ocd", "Obsessive-compulsive disorder (OCD)"),
            ("bipolar_depression", "Depression with bipolar disorder"),
            ("eating_disorder", "An eating disorder"),
            ("other", "Something else"),
        ],
        widget=forms.RadioSelect,
    )
    symptom_years = forms.IntegerField(
        label="For how many years have you had these symptoms?", min_value=0, max_value=100
    )
    antidepressant_trials = forms.IntegerField(
        label="How many different antidepressant medicines have you tried?",
        min_value=0,
        max_value=50,
        help_text="Count each medicine once, even if you took it more than once.",
    )
    psychotherapy_tried = yes_no("Have you tried talk therapy (psychotherapy)?")
    ect_tms_tried = yes_no(
        "Have you had ECT or TMS?",
        "ECT is electroconvulsive therapy; TMS is transcranial magnetic stimulation.",
    )
    outside_clinician_name = forms.CharField(
        label="Your current psychiatrist or therapist outside this clinic (if any)",
        max_length=120,
        required=False,
    )
    outside_clinician_contact = forms.CharField(
        label="Their phone or email", max_length=120, required=False
    )
    outside_clinician_consent = forms.BooleanField(
        label="You may contact them to coordinate my care", required=False
    )
    pcl5_opt_in = forms.BooleanField(
        label="I would also like to answer a questionnaire about stressful experiences (PCL-5)",
        required=False,
        help_text="It is included automatically when PTSD is your main reason.",
    )


# --- Psychiatric history ------------------------------------------------------------------------

# Part of both questions about hallucinations and delusions (read before answering, and
# shown to the psychiatrist with the answer), so that a PTSD patient does not count
# flashbacks or nightmares (spec §2).
WHAT_DOES_NOT_COUNT = (
    "Do not count flashbacks or nightmares, or anything that happened only while you were "
    "drunk or high, or while you were falling asleep or waking up."
)
HALLUCINATIONS_AND_DELUSIONS = "Doctors call these experiences hallucinations and delusions."


class PsychiatricHistoryForm(StepForm):
    psychotic_disorder_dx = yes_no(
        "Have you ever been diagnosed with schizophrenia, schizoaffective disorder or "
        "another psychotic disorder?"
    )
    psychotic_symptoms_current = yes_no(
        "Right now, or at any time in the past month, have you heard or seen things that "
        "other people could not, or been sure of things that others told you were not real? "
        + WHAT_DOES_NOT_COUNT,
        HALLUCINATIONS_AND_DELUSIONS,
    )
    psychotic_symptoms_12m = yes_no(
        "At any time in the past 12 months, have you heard or seen things that other people "
        "could not, or been sure of things that others told you were not real? "
        + WHAT_DOES_NOT_COUNT,
        HALLUCINATIONS_AND_DELUSIONS,
    )
    family_psychosis = yes_no(
        "Has a parent, brother, sister or child of yours had a psychotic disorder such as "
        "schizophrenia?"
    )
    bipolar_dx = forms.ChoiceField(
        label="Have you been diagnosed with bipolar disorder?",
        choices=[
            ("none", "No"),
            ("bipolar_1", "Yes, bipolar I"),
            ("bipolar_2", "Yes, bipolar II"),
            ("unsure", "I am not sure"),
        ],
        widget=forms.RadioSelect,
    )
    mood_stabilizer = yes_no(
        "Are you taking lithium, valproate (Depakote), an antipsychotic, or lamotrigine "
        "as a mood stabilizer?"
    )
    mania_12m = yes_no(
        "In the past 12 months, have you had a period of unusually high energy, little need "
        "for sleep and racing thoughts lasting several days?",
        "Doctors call this a manic or hypomanic episode.",
    )
    suicide_attempt_ever = yes_no("Have you ever attempted suicide?")
    suicide_attempt_12m = yes_no("Was an attempt in the past 12 months?")

    follow_ups: ClassVar[dict[str, FollowUp]] = {
        "mood_stabilizer": contract_follow_up(
            "mood_stabilizer",
            "bipolar_dx!=none",
            "Please say whether you take a mood stabilizer.",
        ),
        "suicide_attempt_12m": contract_follow_up(
            "suicide_attempt_12m",
            "suicide_attempt_ever=yes",
            "Please answer whether this was in the past 12 months.",
        ),
    }


# --- Substance use -----------------------------------------------------------------------------


class SubstanceUseForm(StepForm):
    substance_use = forms.ChoiceField(
        label="Have you had a problem with alcohol or drug use?",
        choices=[
            ("none", "No, never"),
            ("remission", "In the past, but not for at least 12 months"),
            ("current", "Yes, currently or within the past 12 months"),
        ],
        widget=forms.RadioSelect,
        help_text="A problem means use that harmed your health, work or relationships.",
    )
    ketamine_misuse = forms.ChoiceField(
        label="Have you ever used ketamine or PCP other than as prescribed?",
        choices=[
            ("never", "No, never"),
            ("over_12m", "Yes, more than 12 months ago"),
            ("within_12m", "Yes, within the past 12 months"),
        ],
        widget=forms.RadioSelect,
    )
    alcohol_drinks_per_week = forms.IntegerField(
        label="About how many alcoholic drinks do you have in a typical week?",
        min_value=0,
        max_value=500,
        help_text="One drink is a can of beer, a glass of wine or a shot of spirits.",
    )


# --- Heart, brain and other medical history ---------------------------------------------------


class MedicalHistoryForm(StepForm):
    hypertension_dx = yes_no("Have you ever been told you have high blood pressure?")
    hypertension_controlled = yes_no(
        "Is your blood pressure under control now?",
        "For example, normal readings with or without medicine.",
    )
    aneurysm_history = yes_no(
        "Have you had an aneurysm (a bulging blood vessel) in the aorta, brain or elsewhere?"
    )
    avm_history = yes_no(
        "Have you been told you have an arteriovenous malformation (AVM)?",
        "An abnormal tangle of blood vessels, often in the brain.",
    )
    ich_history = yes_no("Have you ever had bleeding in the brain?")
    had_heart_attack = yes_no("Have you ever had a heart attack?")
    mi_date = date_field("When was your most recent heart attack?", "An approximate date is fine.")
    had_stroke = yes_no("Have you ever had a stroke or a mini-stroke (TIA)?")
    stroke_date = date_field(
        "When was your most recent stroke or TIA?", "An approximate date is fine."
    )
    coronary_disease = yes_no(
        "Do you have angina, or have you had coronary stents or bypass surgery?"
    )
    heart_failure = yes_no("Have you been diagnosed with heart failure?")
    arrhythmia = yes_no("Do you have an irregular heartbeat that needs treatment?")
    hypertensive_encephalopathy = yes_no(
        "Have you had hypertensive encephalopathy?",
        "Brain swelling or confusion caused by very high blood pressure.",
    )
    raised_icp = yes_no(
        "Do you have raised pressure inside the skull, a brain tumour, or a head injury in "
        "the past 3 months?"
    )
    glaucoma = yes_no("Do you have glaucoma, high eye pressure, or an eye injury?")
    hyperthyroidism_untreated = yes_no("Do you have an overactive thyroid that is not treated?")
    liver_disease = forms.ChoiceField(
        label="Do you have liver disease?",
        choices=[
            ("none", "No"),
            ("mild", "Yes, mild"),
            ("moderate", "Yes, moderate"),
            ("severe", "Yes, severe (cirrhosis with complications)"),
        ],
        widget=forms.RadioSelect,
    )
    interstitial_cystitis = yes_no(
        "Do you have interstitial cystitis or bladder problems related to ketamine?",
        "Interstitial cystitis is long-lasting bladder pain and urgency.",
    )
    sleep_apnea_untreated = yes_no(
        "Do you have sleep apnea that is not treated?",
        "Breathing that stops and starts during sleep.",
    )
    porphyria = yes_no(
        "Have you been diagnosed with porphyria?", "A rare inherited blood disorder."
    )
    ketamine_allergy = yes_no("Are you allergic to ketamine or esketamine (Spravato)?")
    weight_kg = forms.DecimalField(
        label="Your weight in kilograms",
        min_value=25,
        max_value=350,
        decimal_places=1,
        help_text="Used for dosing; we weigh you again at each visit. 1 kg ≈ 2.2 lb.",
    )

    follow_ups: ClassVar[dict[str, FollowUp]] = {
        "hypertension_controlled": contract_follow_up(
            "hypertension_controlled",
            "hypertension_dx=yes",
            "Please say whether your blood pressure is under control now.",
        ),
        "mi_date": FollowUp(
            applies=lambda answers: answers.get("had_heart_attack") is True,
            message="Please give the date of your heart attack.",
            show_when="had_heart_attack=yes",
        ),
        "stroke_date": FollowUp(
            applies=lambda answers: answers.get("had_stroke") is True,
            message="Please give the date of your stroke or TIA.",
            show_when="had_stroke=yes",
        ),
    }

    def _not_in_future(self, name: str) -> Any:
        day = self.cleaned_data.get(name)
        if day and day > timezone.localdate():
            raise forms.ValidationError("This date is in the future.")
        return day

    def clean_mi_date(self) -> Any:
        return self._not_in_future("mi_date")

    def clean_stroke_date(self) -> Any:
        return self._not_in_future("stroke_date")

    def to_answers(self) -> dict[str, Any]:
        stored = super().to_answers()
        if stored.get("weight_kg") is not None:
            stored["weight_kg"] = float(stored["weight_kg"])
        return stored


# --- Pregnancy -------------------------------------------------------------------------------


class PregnancyForm(StepForm):
    pregnancy_status = forms.ChoiceField(
        label="Are you pregnant?",
        choices=[
            ("not_pregnant", "No"),
            ("unsure", "I might be / I am not sure"),
            ("pregnant", "Yes"),
            ("not_applicable", "This does not apply to me"),
        ],
        widget=forms.RadioSelect,
        help_text="Ketamine is not given in pregnancy. If you are not sure, we will offer a test.",
    )
    breastfeeding = yes_no("Are you breastfeeding?")

    # The whole step is skipped for a patient whose sex at birth is male.
    follow_ups: ClassVar[dict[str, FollowUp]] = {
        "breastfeeding": contract_follow_up(
            "breastfeeding", "", "Please say whether you are breastfeeding."
        ),
    }


# --- Getting home ----------------------------------------------------------------------------


class GettingHomeForm(StepForm):
    has_escort = yes_no(
        "After each treatment, can an adult take you home, and do you agree not to drive "
        "until the next day?",
        "Ketamine affects driving and judgement for the rest of the day.",
    )
