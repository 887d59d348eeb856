"""Check-in entries: the checklist, the questionnaires (PHQ-9, ASQ), the pregnancy
test, and taking the current plan."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest

from sessions.forms.records import (
    AsqForm,
    MedicationChangesForm,
    Phq9Form,
    PregnancyForm,
    PregnancyNotApplicableForm,
    PregnancyTestForm,
    WeightForm,
)
from sessions.models import TreatmentSession
from sessions.models.checkin import CheckInItem
from sessions.selectors.treatment_gate import current_medicines
from sessions.services import checkin
from sessions.views.record_entries.posting import Forms, bound, submit

CONFIRM_ITEMS = (
    CheckInItem.IDENTITY,
    CheckInItem.FASTING,
    CheckInItem.ESCORT,
    CheckInItem.NO_DRIVING,
)

ITEM_FORMS = {
    CheckInItem.WEIGHT: WeightForm,
    CheckInItem.PREGNANCY: PregnancyForm,
    CheckInItem.MEDICATION_CHANGES: MedicationChangesForm,
}


def _checkin(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    item = request.POST.get("item", "")
    block = f"checkin-{item}"
    actor = request.user
    if item in CONFIRM_ITEMS:
        checkin.checkin_record(session=session, item=item, value=True, actor=actor)
        return block
    if item == CheckInItem.MEDICATION_CHANGES:
        submit(
            forms,
            block,
            MedicationChangesForm(request.POST, current=current_medicines(session.patient_id)),
            lambda form: checkin.checkin_medications(
                session=session,
                changes=form.cleaned_data[item],
                medicines=form.medicines(),
                actor=actor,
            ),
        )
        return block
    form_class = ITEM_FORMS.get(item)
    if form_class is None:
        raise Http404("Unknown check-in item.")
    submit(
        forms,
        block,
        bound(form_class, request),
        lambda form: checkin.checkin_record(
            session=session,
            item=item,
            value=form.cleaned_data[item],
            confirmed=bool(form.cleaned_data.get("confirmed")),
            actor=actor,
        ),
    )
    return block


def _asq(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    submit(
        forms,
        "asq",
        bound(AsqForm, request, prefix="asq"),
        lambda form: checkin.checkin_asq(session=session, items=form.items(), actor=request.user),
    )
    return "asq"


def _pregnancy_test(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    submit(
        forms,
        "pregnancy_test",
        bound(PregnancyTestForm, request, prefix="ptest"),
        lambda form: checkin.pregnancy_test_record(
            session=session, actor=request.user, **form.cleaned_data
        ),
    )
    return "pregnancy"


def _pregnancy_not_applicable(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    submit(
        forms,
        "pregnancy_na",
        bound(PregnancyNotApplicableForm, request, prefix="pna"),
        lambda form: checkin.pregnancy_not_applicable_record(
            session=session,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
    )
    return "pregnancy"


def _take_plan(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    checkin.session_take_current_plan(session=session, actor=request.user)
    return "status"


def _phq9(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    submit(
        forms,
        "phq9",
        bound(Phq9Form, request),
        lambda form: checkin.checkin_phq9(session=session, items=form.items(), actor=request.user),
    )
    return "phq9"


ACTIONS: dict[str, Callable[[HttpRequest, TreatmentSession, Forms], str]] = {
    "checkin": _checkin,
    "phq9": _phq9,
    "asq": _asq,
    "pregnancy-test": _pregnancy_test,
    "pregnancy-not-applicable": _pregnancy_not_applicable,
    "take-plan": _take_plan,
}
