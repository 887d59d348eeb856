"""Integration pages as therapists, psychiatrists and patients use them."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from intake.models import MeasureResult, UrgentAlert
from integration.models import IntegrationNote
from tests.factories import AppointmentFactory, ChairFactory, MeasureResultFactory, PatientFactory

HX = {"HTTP_HX_REQUEST": "true"}


def note_post(**overrides: str) -> dict[str, str]:
    data = {
        "date": timezone.localdate().isoformat(),
        "modality": "telehealth",
        "minutes": "50",
        "experience": "Described the session as a long walk by the sea.",
        "themes": "Letting go of perfectionism.",
        "risk_suicidal_thoughts": "no",
        "interventions": ["act"],
        "intentions": "Be kinder to myself.",
        "practices": "Body scan every evening.",
        "share_practices": "on",
        "plan": "Next integration after session 4.",
    }
    data.update(overrides)
    return data


def test_a_therapist_writes_autosaves_signs_and_amends_a_note(personas, login) -> None:
    therapist = login(personas.therapist)
    response = therapist.post(
        reverse("note_new", args=[personas.patient_a.pk]), {"note_type": "integration"}
    )
    note = IntegrationNote.objects.get(patient=personas.patient_a)
    assert response["Location"] == reverse("note_detail", args=[note.pk])
    url = reverse("note_detail", args=[note.pk])
    assert "saves itself as you type" in therapist.get(url).content.decode()

    response = therapist.post(url, note_post(minutes="900"), **HX)
    assert "Not saved: Ensure this value is less than or equal to 600" in response.content.decode()
    response = therapist.post(url, note_post(), **HX)
    assert "✓ Draft saved at" in response.content.decode()
    assert IntegrationNote.objects.get(pk=note.pk).themes == "Letting go of perfectionism."

    psychiatrist = login(personas.psychiatrist)
    assert psychiatrist.get(url).status_code == 404  # drafts: the author only

    response = therapist.post(url, note_post(risk_suicidal_thoughts="", sign="1"))
    assert "Answer the risk check before signing" in response.content.decode()
    assert "Letting go of perfectionism." in response.content.decode()  # kept what was typed
    response = therapist.post(url, note_post(sign="1"))
    assert response.status_code == 302
    signed = IntegrationNote.objects.get(pk=note.pk)
    assert signed.is_signed and signed.verify()

    html = psychiatrist.get(url).content.decode()
    assert "Letting go of perfectionism." in html and "Signed" in html
    assert therapist.post(url, note_post(themes="changed")).status_code == 403
    therapist.post(
        reverse("note_addendum", args=[note.pk]),
        {"reason": "Late entry", "text": "Patient emailed: sleeping better."},
    )
    html = therapist.get(url).content.decode()
    assert "Late entry" in html and "sleeping better" in html
    assert IntegrationNote.objects.get(pk=note.pk).signed_content == signed.signed_content


def test_a_yes_in_the_risk_check_alerts_the_psychiatrist_from_the_page(personas, login) -> None:
    therapist = login(personas.therapist)
    therapist.post(reverse("note_new", args=[personas.patient_a.pk]), {"note_type": "integration"})
    note = IntegrationNote.objects.get(patient=personas.patient_a)
    therapist.post(
        reverse("note_detail", args=[note.pk]),
        note_post(risk_suicidal_thoughts="yes", risk_plan="no"),
        **HX,
    )
    assert UrgentAlert.objects.filter(patient=personas.patient_a, acknowledged_at=None).exists()


def test_nurses_coordinators_and_admins_never_open_notes(personas, login) -> None:
    therapist = login(personas.therapist)
    therapist.post(reverse("note_new", args=[personas.patient_a.pk]), {"note_type": "integration"})
    note = IntegrationNote.objects.get(patient=personas.patient_a)
    therapist.post(reverse("note_detail", args=[note.pk]), note_post(sign="1"))
    for user in (personas.nurse, personas.coordinator, personas.admin, personas.other_therapist):
        response = login(user).get(reverse("note_detail", args=[note.pk]))
        assert response.status_code in (403, 404)
        assert "perfectionism" not in response.content.decode()


def test_the_patient_sees_only_the_shared_practices(personas, login) -> None:
    therapist = login(personas.therapist)
    therapist.post(reverse("note_new", args=[personas.patient_a.pk]), {"note_type": "integration"})
    note = IntegrationNote.objects.get(patient=personas.patient_a)
    therapist.post(reverse("note_detail", args=[note.pk]), note_post(sign="1"))
    html = login(personas.patient_a.user).get(reverse("my_practices")).content.decode()
    assert "Body scan every evening." in html
    assert "Be kinder to myself" not in html and "perfectionism" not in html
    other = login(personas.patient_b.user).get(reverse("my_practices")).content.decode()
    assert "Body scan" not in other


def test_patients_answer_their_questionnaires_before_a_session(personas, login) -> None:
    from tests.sessions.conftest import make_plan

    make_plan(personas.patient_a, personas.psychiatrist, extra_measures=["gad7"])
    patient = login(personas.patient_a.user)
    html = patient.get(reverse("pre_session_measures")).content.decode()
    assert "PHQ-9 (depression)" in html and "GAD-7 (anxiety)" in html and "PCL-5" not in html
    answers = {f"phq9_q{n}": "1" for n in range(1, 10)} | {f"gad7_q{n}": "2" for n in range(1, 8)}
    response = patient.post(reverse("pre_session_measures"), answers | {"phq9_q3": ""})
    assert "Some questions still need an answer" in response.content.decode()
    response = patient.post(reverse("pre_session_measures"), answers)
    assert "your answers are with your care team" in response.content.decode()
    assert "988" in response.content.decode()  # question 9 was answered 1
    assert {m.instrument: m.total for m in MeasureResult.objects.all()} == {"phq9": 9, "gad7": 14}
    assert UrgentAlert.objects.filter(patient=personas.patient_a).exists()


def test_the_outcomes_page_charts_each_instrument_with_its_change(personas, login) -> None:
    start = timezone.now() - dt.timedelta(days=40)
    for days, total, context in (
        (0, 21, "intake"),
        (14, 14, "pre_session"),
        (35, 8, "pre_session"),
    ):
        MeasureResultFactory(
            patient=personas.patient_a, instrument="phq9", items={}, total=total, band="x",
            context=context, taken_at=start + dt.timedelta(days=days),
            entered_by=personas.patient_a.user,
        )  # fmt: skip
    html = (
        login(personas.psychiatrist)
        .get(reverse("patient_outcomes", args=[personas.patient_a.pk]))
        .content.decode()
    )
    assert "PHQ-9 (depression)" in html and "<svg" in html and "baseline" in html
    assert "Baseline <strong>21</strong>" in html and "Response (≥ 50 % lower)" in html
    assert html.count("<circle") == 3
    assert login(personas.coordinator).get(
        reverse("patient_outcomes", args=[personas.patient_a.pk])
    ).status_code in (403, 404)


def test_the_caseload_lists_patients_drafts_and_next_sessions(
    personas, login, django_assert_max_num_queries
) -> None:
    therapist = login(personas.therapist)
    therapist.get(reverse("caseload"))
    with django_assert_max_num_queries(20) as one:
        html = therapist.get(reverse("caseload")).content.decode()
    assert "Quillfeather" in html
    for index in range(10):
        PatientFactory(therapist=personas.therapist, legal_last_name=f"Case{index}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = therapist.get(reverse("caseload")).content.decode()
    assert "Case9" in html


def outcomes_page(client, capture) -> str:
    """The Outcomes page once the background calculation it asks for has run."""
    with capture(execute=True):
        client.get(reverse("clinic_outcomes"))
    return client.get(reverse("clinic_outcomes")).content.decode()


def test_the_clinic_outcomes_page_counts_response_and_remission(
    personas, login, django_capture_on_commit_callbacks
) -> None:
    html = outcomes_page(login(personas.admin), django_capture_on_commit_callbacks)
    assert "No patient has finished an induction series yet" in html


def test_the_plan_decides_which_questionnaires_come_before_each_session(personas, login) -> None:
    from tests.sessions.conftest import make_plan

    patient = login(personas.patient_a.user)
    html = patient.get(reverse("pre_session_measures")).content.decode()
    assert "PHQ-9 (depression)" in html and "GAD-7" not in html
    make_plan(personas.patient_a, personas.psychiatrist, extra_measures=["pcl5"])
    html = patient.get(reverse("pre_session_measures")).content.decode()
    assert "PCL-5" in html and "GAD-7" not in html


def test_the_patient_chart_shows_the_phq9_trend_to_clinical_staff(personas, login) -> None:
    MeasureResultFactory(
        patient=personas.patient_a, instrument="phq9", items={}, total=17, band="x",
        context="intake", entered_by=personas.patient_a.user,
    )  # fmt: skip
    url = reverse("patient_detail", args=[personas.patient_a.pk])
    html = login(personas.nurse).get(url).content.decode()
    assert "Measurement-based care" in html and "PHQ-9 (depression)" in html and "<svg" in html
    html = login(personas.coordinator).get(url).content.decode()
    assert "Measurement-based care" not in html and "PHQ-9" not in html


def test_the_timeline_and_outcomes_pages_cost_the_same_queries_with_more_notes(
    personas, login, django_assert_max_num_queries
) -> None:
    from tests.integration.test_notes import signed_note

    signed_note(personas)
    urls = [
        reverse("patient_notes", args=[personas.patient_a.pk]),
        reverse("patient_outcomes", args=[personas.patient_a.pk]),
    ]
    psychiatrist = login(personas.psychiatrist)
    counts = []
    for url in urls:
        psychiatrist.get(url)
        with django_assert_max_num_queries(20) as few:
            psychiatrist.get(url)
        counts.append(len(few.captured_queries))
    for days in range(12):
        signed_note(personas)
        MeasureResultFactory(
            patient=personas.patient_a, instrument="phq9", items={}, total=10, band="x",
            context="pre_session", taken_at=timezone.now() - dt.timedelta(days=days),
            entered_by=personas.patient_a.user,
        )  # fmt: skip
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert psychiatrist.get(url).status_code == 200


def test_a_large_caseload_is_paged(personas, login) -> None:
    for index in range(55):
        PatientFactory(therapist=personas.therapist, legal_last_name=f"Zz{index:02d}")
    therapist = login(personas.therapist)
    first = therapist.get(reverse("caseload")).content.decode()
    assert "Page 1 of 2" in first and "Zz54" not in first
    second = therapist.get(reverse("caseload"), {"page": 2}).content.decode()
    assert "Zz54" in second


def test_clinic_outcomes_count_finished_series_with_their_phq9(
    personas, login, django_capture_on_commit_callbacks
) -> None:
    from tests.sessions.conftest import make_plan

    chair = ChairFactory(name="Chair O")
    start = timezone.now() - dt.timedelta(days=60)
    for offset, (patient, after) in enumerate(
        ((personas.patient_a, 4), (personas.patient_b, None), (PatientFactory(), 15))
    ):
        plan = make_plan(patient, personas.psychiatrist)
        MeasureResultFactory(
            patient=patient, instrument="phq9", items={}, total=20, band="x", context="intake",
            taken_at=start - dt.timedelta(days=5), entered_by=personas.nurse,
        )  # fmt: skip
        for number in range(6):
            at = start + dt.timedelta(days=3 * number, hours=3 * offset)
            AppointmentFactory(
                patient=patient, plan=plan, kind="induction", series_number=number + 1,
                chair=chair, start=at, end=at + dt.timedelta(hours=2), status="completed",
                booked_by=personas.coordinator,
            )  # fmt: skip
        if after is not None:
            MeasureResultFactory(
                patient=patient, instrument="phq9", items={}, total=after, band="x",
                context="pre_session", taken_at=start + dt.timedelta(days=20),
                entered_by=personas.nurse,
            )  # fmt: skip
    html = outcomes_page(login(personas.psychiatrist), django_capture_on_commit_callbacks)
    assert "IV standard" in html
    assert ">3<" in html and ">2<" in html  # finished 3, measured 2
    assert "1 of 2 (50 %)" in html  # one response, one remission (the same patient)


def test_clinic_outcomes_read_follows_the_baseline_and_after_rules(personas) -> None:
    """The one-statement read counts who finished induction by the rule that moves a
    patient to maintenance, and picks the same baseline and post-series score as the
    pure rules in `integration.outcomes`, over histories that exercise each branch."""
    from integration import outcomes
    from integration.selectors import clinic_outcomes
    from sessions.scheduling import induction_finished
    from tests.sessions.conftest import make_plan

    start = timezone.now() - dt.timedelta(days=90)
    day = dt.timedelta(days=1)
    histories = [
        # (done, series length, still booked, [(offset from first dose, total, context)])
        (6, 6, 0, [(-10, 22, "intake"), (-2, 18, "pre_session"), (20, 9, "pre_session")]),
        (6, 6, 0, [(-10, 22, "intake"), (-40, 5, "intake"), (16, 3, "pre_session")]),
        (6, 6, 0, [(-5, 16, "pre_session"), (-1, 3, "pre_session"), (30, 2, "booster")]),
        (6, 6, 0, [(2, 19, "pre_session"), (40, 4, "booster")]),  # no baseline before dosing
        (6, 6, 0, [(-3, 14, "pre_session"), (5, 10, "pre_session")]),  # nothing after
        (4, 6, 0, [(-3, 20, "intake"), (25, 1, "pre_session")]),  # series not finished
        # 6 of 8 and the rest not booked: stopped early (here after remission) — finished.
        (6, 8, 0, [(-10, 20, "intake"), (19, 4, "pre_session")]),
        # 6 of 8 with two still booked: in the middle of the series — not finished.
        (6, 8, 2, [(-10, 20, "intake"), (19, 4, "pre_session")]),
    ]
    expected = []
    for index, (done, length, booked, scores) in enumerate(histories):
        patient = PatientFactory()
        plan = make_plan(patient, personas.psychiatrist, series_length=length)
        chair = ChairFactory(name=f"Chair R{index}")
        for offset, total, context in scores:
            MeasureResultFactory(
                patient=patient, instrument="phq9", items={}, total=total, band="x",
                context=context, taken_at=start + offset * day, entered_by=personas.nurse,
            )  # fmt: skip
        # Another instrument never counts.
        MeasureResultFactory(
            patient=patient, instrument="gad7", items={}, total=1, band="x",
            context="pre_session", taken_at=start + 18 * day, entered_by=personas.nurse,
        )  # fmt: skip
        for number in range(done + booked):
            at = start + dt.timedelta(days=3 * number, minutes=index)
            if number >= done:  # still to come
                at = timezone.now() + dt.timedelta(days=3 * number, minutes=index)
            AppointmentFactory(
                patient=patient, plan=plan, kind="induction", series_number=number + 1,
                chair=chair, start=at, end=at + dt.timedelta(hours=2),
                status="completed" if number < done else "scheduled",
                booked_by=personas.coordinator,
            )  # fmt: skip
        if not induction_finished(completed=done, series_length=length, more_booked=booked > 0):
            continue
        mine = [outcomes.Score(start + o * day, t, c) for o, t, c in scores]
        first, last = (
            start + dt.timedelta(minutes=index),
            start + dt.timedelta(days=3 * (done - 1), minutes=index),
        )
        baseline = outcomes.baseline_of(mine, first)
        after = sorted((s for s in mine if s.taken_at >= last), key=lambda s: s.taken_at)
        expected.append(
            outcomes.SeriesResult(
                plan.protocol.name,
                baseline.total if baseline else None,
                after[0].total if after else None,
            )
        )
    assert clinic_outcomes() == outcomes.outcomes_by_protocol(expected)
    (row,) = clinic_outcomes()
    assert (row.finished, row.measured, row.response, row.remission) == (6, 4, 4, 3)


def test_clinic_outcomes_are_calculated_in_the_background_every_few_minutes(
    personas, login, django_assert_max_num_queries, django_capture_on_commit_callbacks
) -> None:
    from django.core.cache import cache

    from clinic.celery import app
    from clinic.schedules import PERIODIC_TASKS
    from integration.models import OutcomesSnapshot

    assert "integration.refresh_clinic_outcomes" in app.tasks
    assert any(
        p.task == "integration.refresh_clinic_outcomes" and p.crontab == {"minute": "*/5"}
        for p in PERIODIC_TASKS
    )
    psychiatrist = login(personas.psychiatrist)
    # Before the first calculation the page says so and asks for one.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        first = psychiatrist.get(reverse("clinic_outcomes")).content.decode()
    assert "being calculated for the first time" in first and len(queued) == 1
    assert OutcomesSnapshot.objects.count() == 1
    page = psychiatrist.get(reverse("clinic_outcomes")).content.decode()
    assert "No patient has finished an induction series yet." in page
    assert "recalculated every 5 minutes" in page
    assert timezone.localtime().strftime("%H:") in page
    # The page reads the snapshot only, never the records behind it.
    with (
        django_assert_max_num_queries(12) as captured,
        django_capture_on_commit_callbacks() as queued,
    ):
        psychiatrist.get(reverse("clinic_outcomes"))
    assert not any("WITH series" in query["sql"] for query in captured.captured_queries)
    assert not queued
    # The beat task stopped: the page says how old the figures are and asks again.
    OutcomesSnapshot.objects.update(calculated_at=timezone.now() - dt.timedelta(minutes=11))
    cache.clear()  # more than a minute after the first request asked for a calculation
    with django_capture_on_commit_callbacks() as queued:
        old = psychiatrist.get(reverse("clinic_outcomes")).content.decode()
    assert "have not been recalculated since" in old and len(queued) == 1
    with django_capture_on_commit_callbacks() as queued:
        psychiatrist.get(reverse("clinic_outcomes"))
    assert not queued  # asked once a minute at most
