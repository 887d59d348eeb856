"""Submitting the intake is once only, and the screening runs on the answers stored at
submission, however the requests interleave (row lock first, then the state check, and
unique constraints behind it). Concurrency is tested on real connections."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from intake import services
from intake.models import Intake, MeasureResult, ScreeningResult
from intake.questionnaire import STEP_BY_SLUG, screening_answers
from tests.concurrency import run_together
from tests.factories import MeasureResultFactory, ScreeningResultFactory
from tests.intake.conftest import STEP_POSTS, fill_all_steps

ESCORT_STEP = STEP_BY_SLUG["getting-home"]


@pytest.fixture
def answered(patient_client) -> Intake:
    """patient_a's intake with every step answered, not yet submitted."""
    fill_all_steps(patient_client)
    return Intake.objects.get()


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_submits_store_one_screening_and_one_baseline_each(
    answered, personas
) -> None:
    assert connection.vendor == "postgresql", "CI proves the race on PostgreSQL"
    patient = personas.patient_a.user
    stale = [Intake.objects.get(pk=answered.pk) for _ in range(8)]
    outcomes = run_together(
        *[
            lambda intake=intake: services.intake_submit(intake=intake, actor=patient)
            for intake in stale
        ]
    )
    assert outcomes.count("done") == 1, outcomes
    assert outcomes.count("refused: This intake was already submitted.") == 7, outcomes
    assert ScreeningResult.objects.filter(intake=answered).count() == 1
    baselines = MeasureResult.objects.filter(patient=personas.patient_a, context="intake")
    assert sorted(baselines.values_list("instrument", flat=True)) == ["asq", "gad7", "phq9"]
    assert Intake.objects.get().submission_count == 1


@pytest.mark.django_db(transaction=True)
def test_a_step_saved_at_the_moment_of_submission_is_in_the_screening_or_refused(
    answered, personas
) -> None:
    """The patient changes "an adult can take you home" while the intake is submitted:
    either the change came first and the screening has it, or it is refused; never stored
    after a screening that does not show it."""
    patient = personas.patient_a.user
    no_escort = {"has_escort": False}
    # Both pages were opened while the intake was in progress.
    submit_page, step_page = Intake.objects.get(pk=answered.pk), Intake.objects.get(pk=answered.pk)
    outcomes = run_together(
        lambda: services.intake_submit(intake=submit_page, actor=patient),
        lambda: services.intake_save_step(
            intake=step_page,
            step=ESCORT_STEP,
            answers=no_escort,
            actor=patient,
        ),
    )
    assert all(not outcome.startswith("error") for outcome in outcomes), outcomes
    intake = Intake.objects.get()
    screening = ScreeningResult.objects.get(intake=intake)
    assert screening.answers == screening_answers(intake.answers)
    if "refused: This intake was submitted and can no longer be changed." in outcomes:
        assert intake.answers["has_escort"] is True
    else:
        assert outcomes == ["done", "done"]
        assert "NO_ESCORT" in screening.flag_codes


def test_a_step_saved_from_a_page_opened_before_submission_is_refused(answered, personas) -> None:
    """The other tab still shows the intake as in progress; the save is refused."""
    patient = personas.patient_a.user
    opened_before = Intake.objects.get(pk=answered.pk)
    services.intake_submit(intake=answered, actor=patient)
    with pytest.raises(PermissionDenied, match="submitted and can no longer be changed"):
        services.intake_save_step(
            intake=opened_before,
            step=ESCORT_STEP,
            answers={"has_escort": False},
            actor=patient,
        )
    with pytest.raises(PermissionDenied, match="already submitted"):
        services.intake_submit(intake=opened_before, actor=patient)
    intake = Intake.objects.get()
    assert intake.answers["has_escort"] is True
    assert ScreeningResult.objects.get(intake=intake).answers == screening_answers(intake.answers)


def test_staff_cannot_change_a_submitted_intake_either(answered, personas) -> None:
    services.intake_submit(intake=answered, actor=personas.patient_a.user)
    with pytest.raises(PermissionDenied, match="submitted and can no longer be changed"):
        services.intake_save_step(
            intake=answered,
            step=ESCORT_STEP,
            answers={"has_escort": False},
            actor=personas.nurse,
        )


def test_a_second_submit_from_the_review_page_gets_a_clear_message(
    answered, patient_client
) -> None:
    patient_client.post(reverse("intake_review"))
    page = patient_client.post(reverse("intake_review"), follow=True).content.decode()
    assert "This intake was already submitted." in page
    assert ScreeningResult.objects.count() == 1


def test_the_database_holds_one_screening_and_one_baseline_per_submission(
    answered, personas
) -> None:
    services.intake_submit(intake=answered, actor=personas.patient_a.user)
    screening = ScreeningResult.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningResultFactory(
            intake=answered,
            answers={},
            level="clear",
            flags=[],
            ruleset_version=screening.ruleset_version,
            trigger="submission",
            submission=1,
            created_by=personas.psychiatrist,
        )
    baseline = MeasureResult.objects.get(patient=personas.patient_a, instrument="phq9")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureResultFactory(
            patient=personas.patient_a,
            instrument="phq9",
            items=baseline.items,
            total=baseline.total,
            band=baseline.band,
            context="intake",
            intake_submission=1,
            entered_by=personas.patient_a.user,
        )


def test_a_reopened_intake_is_submitted_again_as_the_next_submission(
    answered, patient_client, personas, login
) -> None:
    services.intake_submit(intake=answered, actor=personas.patient_a.user)
    answered.refresh_from_db()
    services.evaluation_bp_record(
        intake=answered, systolic=120, diastolic=80, actor=personas.psychiatrist
    )
    services.eligibility_decide(
        intake=answered,
        actor=personas.psychiatrist,
        decision="more_information",
        reopen_steps=["getting-home"],
        patient_message="Please tell us who takes you home.",
    )
    patient_client.post(reverse("intake_step", args=["getting-home"]), STEP_POSTS["getting-home"])
    patient_client.post(reverse("intake_review"))
    intake = Intake.objects.get()
    assert intake.status == "submitted" and intake.submission_count == 2
    assert list(
        ScreeningResult.objects.filter(trigger="submission")
        .order_by("submission")
        .values_list("submission", flat=True)
    ) == [1, 2]
    assert MeasureResult.objects.filter(instrument="phq9", context="intake").count() == 2
