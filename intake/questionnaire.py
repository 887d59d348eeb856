"""The intake questionnaire: its steps, questions and how answers are stored.

Answers are stored under the keys of intake-and-screening.md §2 (the contract with
`intake.screening`): booleans as true/false, dates as ISO strings, enums as their codes.
Questions are worded for patients; a medical term gets help text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone

from clinic.choices import ReminderChannel, SexAtBirth
from clinic.forms import normalise_phone, validate_birth_date
from intake.instruments import (
    PHQ9_DIFFICULTY_ANSWERS,
    PHQ9_DIFFICULTY_QUESTION,
    QUESTIONNAIRES,
)
from intake.measures import GAD7, PCL5, PHQ9

CONSENT_VERSION = "2026.1"

YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label: str, help_text: str = "", *, show_when: str = "") -> forms.TypedChoiceField:
    """A required Yes/No question stored as a boolean."""
    attrs = {"data-show-when": show_when} if show_when else {}
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect(attrs=attrs),
        required=not show_when,
    )


def date_field(label: str, help_text: str = "", *, show_when: str = "") -> forms.DateField:
    attrs: dict[str, str] = {"type": "date"}
    if show_when:
        attrs["data-show-when"] = show_when
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"),
    )


class StepForm(forms.Form):
    """A step of the intake. Subclasses list their fields; storage is generic."""

    # answer keys this step owns but does not ask directly (derived in `to_answers`)
    derived_keys: tuple[str, ...] = ()

    def __init__(self, *args: Any, answers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.answers = answers or {}
        kwargs.setdefault("initial", self.initial_from(self.answers))
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_from(cls, answers: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name, field in cls.base_fields.items():
            if name not in answers:
                continue
            value = answers[name]
            if isinstance(field, forms.TypedChoiceField) and field.choices == YES_NO:
                initial[name] = "yes" if value else "no"
            else:
                initial[name] = value
        return initial

    def to_answers(self) -> dict[str, Any]:
        stored: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, dt.date):
                value = value.isoformat()
            stored[name] = value
        return stored

    def require_when(self, field: str, condition: bool, message: str) -> None:
        """A conditional question becomes required when its condition holds."""
        if condition and self.cleaned_data.get(field) in (None, ""):
            self.add_error(field, message)
        if not condition:
            self.cleaned_data[field] = None


# --- About you ---------------------------------------------------------------------------


class AboutYouForm(StepForm):
    derived_keys = ("pregnancy_status", "breastfeeding")

    legal_first_name = forms.CharField(label="First name (legal)", max_length=80)
    legal_last_name = forms.CharField(label="Last name (legal)", max_length=80)
    preferred_name = forms.CharField(
        label="Name you would like us to use", max_length=80, required=False
    )
    date_of_birth = forms.DateField(
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

    def to_answers(self) -> dict[str, Any]:
        stored = super().to_answers()
        if stored.get("sex_at_birth") == SexAtBirth.MALE:
            # The pregnancy step does not apply; record that rather than leave it unanswered.
            stored["pregnancy_status"] = "not_applicable"
            stored["breastfeeding"] = False
        elif self.answers.get("pregnancy_status") == "not_applicable":
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


class PsychiatricHistoryForm(StepForm):
    psychotic_disorder_dx = yes_no(
        "Have you ever been diagnosed with schizophrenia, schizoaffective disorder or "
        "another psychotic disorder?"
    )
    psychotic_symptoms_12m = yes_no(
        "In the past 12 months, have you heard or seen things others could not, or held "
        "strong beliefs others told you were not real?",
        "Doctors call these hallucinations and delusions.",
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
    mania_12m = yes_no(
        "In the past 12 months, have you had a period of unusually high energy, little need "
        "for sleep and racing thoughts lasting several days?",
        "Doctors call this a manic or hypomanic episode.",
    )
    mood_stabilizer = yes_no(
        "Are you taking lithium, valproate (Depakote), an antipsychotic, or lamotrigine "
        "as a mood stabilizer?"
    )
    suicide_attempt_ever = yes_no("Have you ever attempted suicide?")
    suicide_attempt_12m = yes_no(
        "Was an attempt in the past 12 months?", show_when="suicide_attempt_ever=yes"
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.require_when(
            "suicide_attempt_12m",
            cleaned.get("suicide_attempt_ever") is True,
            "Please answer whether this was in the past 12 months.",
        )
        return cleaned


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
        show_when="hypertension_dx=yes",
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
    mi_date = date_field(
        "When was your most recent heart attack?",
        "An approximate date is fine.",
        show_when="had_heart_attack=yes",
    )
    had_stroke = yes_no("Have you ever had a stroke or a mini-stroke (TIA)?")
    stroke_date = date_field(
        "When was your most recent stroke or TIA?",
        "An approximate date is fine.",
        show_when="had_stroke=yes",
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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.require_when(
            "hypertension_controlled",
            cleaned.get("hypertension_dx") is True,
            "Please say whether your blood pressure is under control now.",
        )
        today = timezone.localdate()
        for asked, day, what in (
            ("had_heart_attack", "mi_date", "heart attack"),
            ("had_stroke", "stroke_date", "stroke or TIA"),
        ):
            self.require_when(
                day, cleaned.get(asked) is True, f"Please give the date of your {what}."
            )
            if cleaned.get(day) and cleaned[day] > today:
                self.add_error(day, "This date is in the future.")
        return cleaned

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


# --- Medications -----------------------------------------------------------------------------


class MedicationsForm(StepForm):
    medication_list = forms.CharField(
        label="Your current medicines",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=3000,
        help_text="One per line: name, dose, how often. Example: sertraline 100 mg, once a day.",
    )
    benzodiazepine = yes_no(
        "Do you take a benzodiazepine?",
        "For example alprazolam (Xanax), lorazepam (Ativan), clonazepam (Klonopin), diazepam.",
    )
    lamotrigine = yes_no("Do you take lamotrigine (Lamictal)?")
    maoi = yes_no(
        "Do you take an MAO inhibitor?",
        "For example phenelzine (Nardil), tranylcypromine (Parnate), selegiline (Emsam).",
    )
    stimulant = yes_no(
        "Do you take a stimulant?",
        "For example methylphenidate (Ritalin, Concerta) or amphetamine (Adderall, Vyvanse).",
    )
    opioid = yes_no(
        "Do you take an opioid pain medicine?",
        "For example oxycodone, hydrocodone, morphine, tramadol, buprenorphine, methadone.",
    )


# --- Getting home ----------------------------------------------------------------------------


class GettingHomeForm(StepForm):
    has_escort = yes_no(
        "After each treatment, can an adult take you home, and do you agree not to drive "
        "until the next day?",
        "Ketamine affects driving and judgement for the rest of the day.",
    )


# --- Questionnaires (PHQ-9, GAD-7, PCL-5) -----------------------------------------------------


def questionnaire_form(code: str) -> type[StepForm]:
    questionnaire = QUESTIONNAIRES[code]
    fields: dict[str, Any] = {}
    for number, wording in enumerate(questionnaire.items, start=1):
        fields[f"q{number}"] = forms.TypedChoiceField(
            label=f"{number}. {wording}",
            choices=[(str(value), text) for value, text in enumerate(questionnaire.answers)],
            coerce=int,
            widget=forms.RadioSelect,
        )
    if code == PHQ9:
        fields["difficulty"] = forms.TypedChoiceField(
            label=PHQ9_DIFFICULTY_QUESTION,
            choices=[(str(value), text) for value, text in enumerate(PHQ9_DIFFICULTY_ANSWERS)],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            required=False,
        )

    def initial_from(cls: type[StepForm], answers: dict[str, Any]) -> dict[str, Any]:
        stored = answers.get("measures", {}).get(code, {})
        return {key: str(value) for key, value in stored.items()}

    def to_answers(self: StepForm) -> dict[str, Any]:
        items = {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
        measures = dict(self.answers.get("measures", {}))
        measures[code] = items
        stored: dict[str, Any] = {"measures": measures}
        if code == PHQ9:
            stored["phq9_item9"] = items["q9"]
        return stored

    return type(
        f"{code.upper()}Form",
        (StepForm,),
        {
            **fields,
            "stem": questionnaire.stem,
            "initial_from": classmethod(initial_from),
            "to_answers": to_answers,
        },
    )


# --- Consent ---------------------------------------------------------------------------------


CONSENT_TEXT = (
    "I understand that ketamine and esketamine treatment for depression and related "
    "conditions is given under medical supervision; that esketamine is approved for "
    "treatment-resistant depression and depression with suicidal thoughts, and that "
    "racemic ketamine given by infusion, injection or by mouth for these conditions is "
    "off-label. Common effects during and after a session include feeling disconnected or "
    "dreamlike (dissociation), dizziness, nausea, sleepiness, raised blood pressure and "
    "heart rate, and, rarely, confusion, agitation or breathing problems. Repeated or "
    "non-medical use can harm the bladder and liver and can lead to misuse. I agree to "
    "have my blood pressure, heart rate and oxygen level monitored, to be observed until "
    "I am safe to leave, to have an adult take me home, and not to drive or make "
    "important decisions until the next day. I understand that the clinic's psychiatrist "
    "decides whether treatment is right for me, that I may stop at any time, and that "
    "the answers I give here are true to the best of my knowledge."
)


class ConsentForm(StepForm):
    agree = forms.BooleanField(label="I have read and I agree to the statement above")
    signature = forms.CharField(
        label="Type your full legal name as your signature",
        max_length=160,
        help_text="This is your electronic signature. We record the date, time and your "
        "internet address.",
    )

    def __init__(self, *args: Any, legal_name: str = "", **kwargs: Any) -> None:
        self.legal_name = legal_name
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_from(cls, answers: dict[str, Any]) -> dict[str, Any]:
        return {}

    def clean_signature(self) -> str:
        typed = " ".join(self.cleaned_data["signature"].split())
        if self.legal_name and typed.casefold() != " ".join(self.legal_name.split()).casefold():
            raise forms.ValidationError(f"Type your full legal name as shown: {self.legal_name}")
        return typed

    def to_answers(self) -> dict[str, Any]:
        return {}


# --- The steps in order ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form_class: type[StepForm]
    intro: str = ""
    applies: Callable[[dict[str, Any]], bool] = lambda answers: True


def _pregnancy_applies(answers: dict[str, Any]) -> bool:
    return answers.get("sex_at_birth") != SexAtBirth.MALE


def _pcl5_applies(answers: dict[str, Any]) -> bool:
    return answers.get("primary_concern") == "ptsd" or bool(answers.get("pcl5_opt_in"))


STEPS: tuple[Step, ...] = (
    Step("about-you", "About you", AboutYouForm, "Your details, so we can reach you safely."),
    Step(
        "reasons",
        "Why you are seeking treatment",
        TreatmentReasonsForm,
        "This helps your psychiatrist understand what you have tried so far.",
    ),
    Step(
        "mental-health",
        "Mental health history",
        PsychiatricHistoryForm,
        "Some conditions change whether ketamine is safe for you. Please answer honestly; "
        "only your care team sees these answers.",
    ),
    Step("alcohol-drugs", "Alcohol and drug use", SubstanceUseForm),
    Step(
        "medical",
        "Heart, brain and other health conditions",
        MedicalHistoryForm,
        "Ketamine raises blood pressure for a while, so we ask about your heart and blood vessels.",
    ),
    Step("pregnancy", "Pregnancy", PregnancyForm, applies=_pregnancy_applies),
    Step("medicines", "Medicines", MedicationsForm),
    Step("getting-home", "Getting home after treatment", GettingHomeForm),
    Step("phq9", "How you have been feeling", questionnaire_form(PHQ9)),
    Step("gad7", "Worry and anxiety", questionnaire_form(GAD7)),
    Step("pcl5", "Stressful experiences", questionnaire_form(PCL5), applies=_pcl5_applies),
    Step("consent", "Consent", ConsentForm),
)

STEP_BY_SLUG: dict[str, Step] = {step.slug: step for step in STEPS}


def known_details(patient: Any) -> dict[str, Any]:
    """What the patient record already holds, as "About you" answers."""
    details = {
        field: getattr(patient, field)
        for field in AboutYouForm.base_fields
        if field != "date_of_birth" and getattr(patient, field, "")
    }
    if patient.date_of_birth:
        details["date_of_birth"] = patient.date_of_birth.isoformat()
    return details


def steps_for(answers: dict[str, Any]) -> list[Step]:
    """The steps that apply to this patient, in order."""
    return [step for step in STEPS if step.applies(answers)]


def screening_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """The stored answers as the screening engine takes them (spec §2 keys only)."""
    return {key: value for key, value in answers.items() if key != "measures"}


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str


def _display(field: forms.Field, value: Any) -> str:
    if value is None or value == "":
        return "Not answered"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(field, forms.DateField):
        day = dt.date.fromisoformat(value)
        return f"{day:%B} {day.day}, {day.year}"
    choices = getattr(field, "choices", None)
    if choices:
        labels = {str(key): label for key, label in choices}
        return str(labels.get(str(value), value))
    return str(value)


def answer_rows(step: Step, answers: dict[str, Any]) -> list[AnswerRow]:
    """A step's questions with the stored answers, worded as the patient saw them."""
    if step.slug == "consent":
        return []
    source = answers
    if step.slug in (PHQ9, GAD7, PCL5):
        source = answers.get("measures", {}).get(step.slug, {})
    rows = []
    for name, field in step.form_class.base_fields.items():
        conditional = getattr(field.widget, "attrs", {}).get("data-show-when")
        if conditional and source.get(name) in (None, ""):
            continue  # a conditional question that did not apply
        rows.append(AnswerRow(str(field.label), _display(field, source.get(name))))
    return rows
