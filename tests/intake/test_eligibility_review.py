"""The psychiatrist's review: queue order, evaluation BP, signed decisions (spec §4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, Document, Patient
from intake.models import EligibilityDecision, Intake, ScreeningResult
from tests.clinic.test_documents import pdf_text
from tests.factories import IntakeFactory, PatientFactory, ScreeningResultFactory
from tests.intake.conftest import fill_all_steps


@pytest.fixture
def submitted(patient_client, personas):
    """patient_a's complete intake, submitted (screening: clear but BP not recorded)."""
    fill_all_steps(patient_client)
    patient_client.post(reverse("intake_review"))
    return Intake.objects.get(patient=personas.patient_a)


@pytest.fixture
def psychiatrist(login, personas):
    return login(personas.psychiatrist)


def decide(client, patient, **data):
    return client.post(reverse("review", args=[patient.pk]), {"action": "decide", **data})


def record_bp(client, patient, systolic="128", diastolic="82"):
    return client.post(
        reverse("review", args=[patient.pk]),
        {"action": "bp", "bp-systolic": systolic, "bp-diastolic": diastolic},
    )


def test_the_review_page_shows_flags_measures_answers_and_consent(
    submitted, psychiatrist, personas
) -> None:
    body = psychiatrist.get(reverse("review", args=[personas.patient_a.pk])).content.decode()
    assert "BP_NOT_RECORDED" in body
    assert "PHQ-9: 16 (moderately severe)" in body
    assert "1 Main St" in body
    assert "Consent signed by" in body


def test_approval_needs_a_recorded_blood_pressure(submitted, psychiatrist, personas) -> None:
    refused = decide(psychiatrist, personas.patient_a, decision="approved", routes=["iv"])
    assert "Record the evaluation blood pressure before approving." in refused.content.decode()
    assert not EligibilityDecision.objects.exists()


def test_recording_the_bp_screens_again_as_a_new_result(submitted, psychiatrist, personas):
    response = record_bp(psychiatrist, personas.patient_a, "165", "95")
    assert response.status_code == 302
    runs = list(ScreeningResult.objects.order_by("created_at", "pk"))
    assert [run.trigger for run in runs] == ["submission", "evaluation_bp"]
    assert runs[0].flag_codes == ["BP_NOT_RECORDED"]  # the first result is untouched
    assert runs[1].flag_codes == ["HYPERTENSION_ELEVATED"]
    assert runs[1].answers["screening_bp_systolic"] == 165


def test_an_implausible_bp_is_refused_next_to_its_field(submitted, psychiatrist, personas):
    response = record_bp(psychiatrist, personas.patient_a, "80", "95")
    assert "The diastolic value must be below the systolic." in response.content.decode()
    assert ScreeningResult.objects.count() == 1


def test_approving_signs_an_immutable_decision_and_makes_the_patient_eligible(
    submitted, psychiatrist, personas, django_capture_on_commit_callbacks
) -> None:
    record_bp(psychiatrist, personas.patient_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(
            psychiatrist,
            personas.patient_a,
            decision="approved",
            routes=["iv", "intranasal_esketamine"],
        )
    assert response["Location"] == reverse("review_queue")
    decision = EligibilityDecision.objects.get()
    assert (decision.decision, decision.signed_by) == ("approved", personas.psychiatrist)
    assert decision.allowed_routes == ["iv", "intranasal_esketamine"]
    assert Patient.objects.get(pk=personas.patient_a.pk).journey_state == "eligible"
    with pytest.raises(PermissionError):
        decision.save()
    with pytest.raises(PermissionError):
        decision.delete()
    assert AuditEvent.objects.filter(
        action="sign", object_type="intake.eligibilitydecision"
    ).exists()
    assert "an update about your intake" in mail.outbox[-1].subject
    assert "approved" not in mail.outbox[-1].body.lower()  # details only in the portal


def test_approving_over_an_absolute_flag_needs_a_20_character_justification(
    patient_client, psychiatrist, personas
) -> None:
    fill_all_steps(patient_client, medical={"glaucoma": "no", "avm_history": "yes"})
    patient_client.post(reverse("intake_review"))
    record_bp(psychiatrist, personas.patient_a)
    short = decide(
        psychiatrist,
        personas.patient_a,
        decision="approved",
        routes=["iv"],
        override_AVM="neuro cleared",
    )
    body = short.content.decode()
    assert "Approving over AVM needs a written justification of at least 20 characters." in body
    assert "neuro cleared" in body  # what was typed is kept
    decide(
        psychiatrist,
        personas.patient_a,
        decision="approved",
        routes=["iv"],
        override_AVM="Neurosurgery letter 2026-10: AVM obliterated, cleared for ketamine.",
    )
    assert EligibilityDecision.objects.get().overrides == {
        "AVM": "Neurosurgery letter 2026-10: AVM obliterated, cleared for ketamine."
    }


def test_declining_needs_a_staff_reason_and_the_patient_gets_a_kind_message(
    submitted, psychiatrist, personas, login
) -> None:
    refused = decide(psychiatrist, personas.patient_a, decision="declined")
    assert "Give the reason for declining" in refused.content.decode()
    decide(
        psychiatrist,
        personas.patient_a,
        decision="declined",
        staff_reason="Unstable cardiac disease; refer to cardiology first.",
    )
    assert Patient.objects.get(pk=personas.patient_a.pk).journey_state == "declined"
    portal = login(personas.patient_a.user).get(reverse("intake_home")).content.decode()
    assert "not the right choice for you at this time" in portal
    assert "cardiology" not in portal  # staff reasons never reach the patient


def test_more_information_reopens_named_steps_and_the_patient_resubmits(
    submitted, psychiatrist, personas, login
) -> None:
    decide(
        psychiatrist,
        personas.patient_a,
        decision="more_information",
        reopen_steps=["medicines"],
        patient_message="Please list the dose of every medicine you take.",
    )
    intake = Intake.objects.get()
    assert (intake.status, intake.reopened_steps) == ("reopened", ["medicines"])
    patient = login(personas.patient_a.user)
    status = patient.get(reverse("intake_home")).content.decode()
    assert "More information needed." in status and "Please list the dose" in status
    # Only the reopened step can change.
    blocked = patient.get(reverse("intake_step", args=["about-you"]))
    assert blocked["Location"] == reverse("intake_review")
    from tests.intake.conftest import STEP_POSTS

    patient.post(
        reverse("intake_step", args=["medicines"]),
        {**STEP_POSTS["medicines"], "medication_list": "sertraline 100 mg daily"},
    )
    patient.post(reverse("intake_review"))
    assert Intake.objects.get().status == "submitted"
    assert Patient.objects.get(pk=personas.patient_a.pk).journey_state == "awaiting_review"
    assert ScreeningResult.objects.count() == 2


def test_a_later_decision_supersedes_and_both_are_kept(submitted, psychiatrist, personas):
    decide(
        psychiatrist,
        personas.patient_a,
        decision="more_information",
        reopen_steps=["medicines"],
        patient_message="Doses please.",
    )
    intake = Intake.objects.get()
    intake.status = "submitted"
    intake.save(update_fields=["status"])
    record_bp(psychiatrist, personas.patient_a)
    decide(psychiatrist, personas.patient_a, decision="approved", routes=["oral"])
    first, second = EligibilityDecision.objects.order_by("signed_at", "pk")
    assert second.supersedes == first
    body = psychiatrist.get(reverse("review", args=[personas.patient_a.pk])).content.decode()
    assert "More information needed" in body and "Approved" in body


def test_only_psychiatrists_decide_and_coordinators_never_see_flags(submitted, login, personas):
    nurse = login(personas.nurse)
    page = nurse.get(reverse("review", args=[personas.patient_a.pk])).content.decode()
    assert "Sign decision" not in page
    decide(nurse, personas.patient_a, decision="approved", routes=["iv"])
    assert not EligibilityDecision.objects.exists()
    coordinator = login(personas.coordinator)
    assert coordinator.get(reverse("review", args=[personas.patient_a.pk])).status_code == 403
    chart = coordinator.get(reverse("patient_detail", args=[personas.patient_a.pk]))
    assert "BP_NOT_RECORDED" not in chart.content.decode()


def test_the_queue_puts_urgent_then_contraindicated_then_caution_then_clear(
    psychiatrist, personas
) -> None:
    now = timezone.now()

    def queued(name: str, level: str, urgent: bool, days: int) -> Patient:
        patient = PatientFactory(legal_last_name=name, journey_state="awaiting_review")
        intake = IntakeFactory(
            patient=patient,
            opened=True,
            status="submitted",
            submitted_at=now - dt.timedelta(days=days),
        )
        ScreeningResultFactory(
            intake=intake,
            answers={},
            level=level,
            flags=[],
            ruleset_version="2026.1",
            trigger="submission",
            urgent=urgent,
            created_by=personas.psychiatrist,
        )
        return patient

    clear_old = queued("Clearold", "clear", False, 9)
    caution = queued("Caution", "caution", False, 2)
    contra = queued("Contra", "contraindicated", False, 1)
    urgent = queued("Urgent", "caution", True, 0)
    clear_new = queued("Clearnew", "clear", False, 3)
    page = psychiatrist.get(reverse("review_queue"))
    order = [intake.patient for intake in page.context["page"].object_list]
    assert order == [urgent, contra, caution, clear_old, clear_new]
    assert "Urgent: suicide risk" in page.content.decode()


@pytest.mark.parametrize("rows", [1, 40])
def test_review_queue_query_budget(
    rows, psychiatrist, personas, django_assert_max_num_queries
) -> None:
    for _ in range(rows):
        patient = PatientFactory(journey_state="awaiting_review")
        intake = IntakeFactory(
            patient=patient, opened=True, status="submitted", submitted_at=timezone.now()
        )
        ScreeningResultFactory(
            intake=intake,
            answers={},
            level="clear",
            flags=[],
            ruleset_version="2026.1",
            trigger="submission",
            created_by=personas.psychiatrist,
        )
    psychiatrist.get(reverse("review_queue"))
    with django_assert_max_num_queries(14):
        assert psychiatrist.get(reverse("review_queue")).status_code == 200


def test_review_page_query_budget(
    submitted, psychiatrist, personas, django_assert_max_num_queries, page_queries
) -> None:
    url = reverse("review", args=[personas.patient_a.pk])
    psychiatrist.get(url)
    with django_assert_max_num_queries(22):
        assert psychiatrist.get(url).status_code == 200
    # Answers entered by staff show who entered them; that costs no extra read.
    Intake.objects.filter(patient=personas.patient_a).update(entered_by_staff=personas.coordinator)
    with page_queries() as statements:
        html = psychiatrist.get(url).content.decode()
    assert "answers entered by staff" in html
    assert len(statements) <= 15, statements


def test_the_decision_letter_in_both_versions(
    submitted,
    psychiatrist,
    personas,
    login,
    django_capture_on_commit_callbacks,
) -> None:
    record_bp(psychiatrist, personas.patient_a)
    decide(psychiatrist, personas.patient_a, decision="approved", routes=["iv"],
           patient_message="We look forward to seeing you.")  # fmt: skip
    decision = EligibilityDecision.objects.get(patient=personas.patient_a)
    with django_capture_on_commit_callbacks(execute=True):
        psychiatrist.post(
            reverse("patient_documents", args=[personas.patient_a.pk]),
            {"kind": "decision_letter", "subject_id": str(decision.pk)},
        )
    staff = pdf_text(Document.objects.get(kind="decision_letter"))
    assert "eligible for treatment" in staff and "For the clinical record" in staff
    assert "Flags considered" in staff and "IV infusion" in staff
    assert "We look forward to seeing you." in staff

    patient = login(personas.patient_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        patient.post(reverse("my_documents"), {"kind": "decision_letter_patient"})
    letter = pdf_text(Document.objects.get(kind="decision_letter_patient"))
    assert "eligible for treatment" in letter and "Alice" in letter
    assert "For the clinical record" not in letter and "Flags considered" not in letter


def test_no_decision_letter_can_be_asked_for_before_a_decision(personas, login) -> None:
    patient = login(personas.patient_a.user)
    assert (
        "Request: Eligibility decision letter"
        not in patient.get(reverse("my_documents")).content.decode()
    )
    response = patient.post(reverse("my_documents"), {"kind": "decision_letter_patient"})
    assert (
        "no signed eligibility decision yet" in patient.get(response["Location"]).content.decode()
    )
    staff = login(personas.psychiatrist)
    url = reverse("patient_documents", args=[personas.patient_a.pk])
    assert "There is no signed eligibility decision yet." in staff.get(url).content.decode()
    staff.post(url, {"kind": "decision_letter_patient"})
    assert not Document.objects.exists()  # never a document that can only fail
