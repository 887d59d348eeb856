"""Forms of the session record at the chair, one module per part of the session:
check-in, monitoring (vitals, alerts, adverse events), the dose and infusion, discharge,
sign-off, corrections (addenda, entered in error) and the REMS form; the fields they share."""

from sessions.forms.records.checkin import (
    MEDICINE_CLASSES,
    AsqForm,
    MedicationChangesForm,
    Phq9Form,
    PregnancyForm,
    PregnancyNotApplicableForm,
    PregnancyTestForm,
    WeightForm,
)
from sessions.forms.records.corrections import AddendumForm, EnteredInErrorForm
from sessions.forms.records.discharge import DischargeForm, EndWithoutDoseForm
from sessions.forms.records.dose import (
    DoseForm,
    InfusionStopForm,
    OrderAmendForm,
    PauseForm,
    TimeOnlyForm,
)
from sessions.forms.records.fields import ClinicTimeField
from sessions.forms.records.monitoring import (
    DISSOCIATION_CHOICES,
    MOAAS_CHOICES,
    AcknowledgeForm,
    AdverseEventForm,
    ReasonForm,
    VitalsForm,
)
from sessions.forms.records.rems import RemsSubmissionForm
from sessions.forms.records.signoff import SignForm

__all__ = [
    "DISSOCIATION_CHOICES",
    "MEDICINE_CLASSES",
    "MOAAS_CHOICES",
    "AcknowledgeForm",
    "AddendumForm",
    "AdverseEventForm",
    "AsqForm",
    "ClinicTimeField",
    "DischargeForm",
    "DoseForm",
    "EndWithoutDoseForm",
    "EnteredInErrorForm",
    "InfusionStopForm",
    "MedicationChangesForm",
    "OrderAmendForm",
    "PauseForm",
    "Phq9Form",
    "PregnancyForm",
    "PregnancyNotApplicableForm",
    "PregnancyTestForm",
    "ReasonForm",
    "RemsSubmissionForm",
    "SignForm",
    "TimeOnlyForm",
    "VitalsForm",
    "WeightForm",
]
