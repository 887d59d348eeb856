"""Psychiatrists write versioned treatment plans for approved routes (scheduling.md §1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clinic.models import ClinicSettings, Patient
from sessions.models import Protocol, TreatmentPlan
from tests.factories import EligibilityDecisionFactory, IntakeFactory, ScreeningResultFactory


@pytest.fixture
def approved(personas):
    """patient_a approved for IV and esketamine."""
    patient = personas.patient_a
    intake = IntakeFactory(patient=patient, opened=True, status="submitted")
    screening = ScreeningResultFactory(
        intake=intake,
        answers={},
        level="clear",
        flags=[],
        ruleset_version="2026.1",
        trigger="submission",
        created_by=personas.psychiatrist,
    )
    EligibilityDecisionFactory(
        patient=patient,
        intake=intake,
        screening=screening,
        decision="approved",
        allowed_routes=["iv", "intranasal_esketamine"],
        signed_by=personas.psychiatrist,
    )
    patient.journey_state = "eligible"
    patient.save(update_fields=["journey_state"])
    return patient


def iv_plan(**changes):
    return {
        "route": "iv",
        "protocol": Protocol.objects.get(code="iv-standard").pk,
        "dose_mode": "mg_per_kg",
        "dose_mg_per_kg": "0.5",
        "infusion_minutes": "40",
        "series_length": "6",
        "maintenance_interval_weeks": "4",
        **changes,
    }


def test_a_psychiatrist_writes_the_first_plan_and_the_journey_moves_on(
    approved, login, personas
) -> None:
    client = login(personas.psychiatrist)
    url = reverse("plan", args=[approved.pk])
    page = client.get(url).content.decode()
    assert "Write the plan" in page
    assert "IV infusion (racemic ketamine); Esketamine nasal spray (Spravato)" in page
    assert client.post(url, iv_plan())["Location"] == url
    plan = TreatmentPlan.objects.get()
    assert (plan.version, plan.route, str(plan.dose_mg_per_kg), plan.infusion_minutes) == (
        1,
        "iv",
        "0.500",
        40,
    )
    assert Patient.objects.get(pk=approved.pk).journey_state == "plan"
    assert "Current plan (version 1)" in client.get(url).content.decode()


def test_a_change_is_a_new_version_and_the_old_one_is_kept(approved, login, personas) -> None:
    client = login(personas.psychiatrist)
    url = reverse("plan", args=[approved.pk])
    client.post(url, iv_plan())
    client.post(url, iv_plan(dose_mg_per_kg="0.75", notes="Raise after session 3 review"))
    assert list(
        TreatmentPlan.objects.order_by("version").values_list("version", "dose_mg_per_kg")
    ) == [(1, pytest.approx(0.5)), (2, pytest.approx(0.75))]


def test_only_an_approved_route_and_a_matching_protocol(approved, login, personas) -> None:
    client = login(personas.psychiatrist)
    url = reverse("plan", args=[approved.pk])
    response = client.post(url, iv_plan(route="oral"))
    assert "Select a valid choice" in response.content.decode()
    mismatch = client.post(url, iv_plan(protocol=Protocol.objects.get(code="oral-standard").pk))
    assert "This protocol is for another route." in mismatch.content.decode()
    assert not TreatmentPlan.objects.exists()


def test_esketamine_refusal_names_what_is_missing(approved, login, personas) -> None:
    client = login(personas.psychiatrist)
    url = reverse("plan", args=[approved.pk])
    data = iv_plan(
        route="intranasal_esketamine",
        protocol=Protocol.objects.get(code="esketamine-induction").pk,
        esketamine_devices="2",
        series_length="8",
        maintenance_interval_weeks="1",
    )
    both = client.post(url, data).content.decode()
    assert "the patient&#x27;s REMS enrollment (id and date)" in both
    assert "the clinic&#x27;s REMS certification" in both
    ClinicSettings.objects.filter(pk=1).update(
        rems_certification_id="RMS-1", rems_certified_on=dt.date(2025, 1, 1)
    )
    only_patient = client.post(url, data).content.decode()
    assert "REMS enrollment (id and date)" in only_patient
    assert "clinic&#x27;s REMS certification" not in only_patient
    client.post(url, data | {"rems_patient_id": "PT-88213", "rems_enrolled_on": "2026-11-02"})
    plan = TreatmentPlan.objects.get()
    assert (plan.dose_mode, plan.dose_mg, plan.esketamine_devices) == ("fixed_mg", 56, 2)


def test_maintenance_interval_limits_per_route(approved, login, personas) -> None:
    client = login(personas.psychiatrist)
    response = client.post(
        reverse("plan", args=[approved.pk]), iv_plan(maintenance_interval_weeks="1")
    )
    assert "For this route the interval is 2–12 weeks." in response.content.decode()


def test_nurses_read_the_plan_but_do_not_write_it(approved, login, personas) -> None:
    client = login(personas.psychiatrist)
    client.post(reverse("plan", args=[approved.pk]), iv_plan())
    nurse = login(personas.nurse)
    page = nurse.get(reverse("plan", args=[approved.pk])).content.decode()
    assert "0.5 mg/kg over 40 minutes" in page and "Save plan" not in page
    nurse.post(reverse("plan", args=[approved.pk]), iv_plan(dose_mg_per_kg="1.0"))
    assert TreatmentPlan.objects.count() == 1


def test_no_plan_without_an_approved_decision(login, personas) -> None:
    page = login(personas.psychiatrist).get(reverse("plan", args=[personas.patient_b.pk]))
    assert "A plan can be written once a psychiatrist has approved the patient." in (
        page.content.decode()
    )


def test_the_form_for_a_new_version_starts_from_the_current_plan(approved, login, personas) -> None:
    from django.urls import reverse

    from tests.sessions.conftest import make_plan

    plan = make_plan(personas.patient_a, personas.psychiatrist, extra_measures=["pcl5"])
    response = login(personas.psychiatrist).get(reverse("plan", args=[personas.patient_a.pk]))
    form = response.context["form"]
    assert form["protocol"].value() == plan.protocol_id
    assert str(form["dose_mg_per_kg"].value()) == "0.500"
    assert form["extra_measures"].value() == ["pcl5"]


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"dose_mg_per_kg": "2"}, "2.00 mg/kg is above the IV infusion maximum of 1.0 mg/kg"),
        ({"dose_mg_per_kg": "1.01"}, "above the IV infusion maximum of 1.0 mg/kg"),
        ({"infusion_minutes": "10"}, "An infusion over 10 min is too fast: order at least 40"),
        ({"infusion_minutes": "150"}, "at most 120 minutes"),
    ],
)
def test_an_anaesthetic_or_too_fast_order_is_refused_next_to_its_field(
    approved, login, personas, changes, field_text
) -> None:
    client = login(personas.psychiatrist)
    url = reverse("plan", args=[approved.pk])
    response = client.post(url, iv_plan(**changes))
    html = response.content.decode()
    assert field_text in html
    assert 'name="dose_mg_per_kg"' in html and "value=" in html  # the form comes back filled
    assert not TreatmentPlan.objects.exists()


def test_a_per_kg_order_is_checked_at_the_patients_known_weight(approved, login, personas) -> None:
    intake = approved.intake
    intake.answers = {**intake.answers, "weight_kg": 160}
    intake.save(update_fields=["answers"])
    client = login(personas.psychiatrist)
    url = reverse("plan", args=[approved.pk])
    html = client.post(url, iv_plan(dose_mg_per_kg="1.0")).content.decode()
    assert "160 mg is above the maximum total of 150 mg" in html
    assert client.post(url, iv_plan(dose_mg_per_kg="0.9"))["Location"] == url


def test_an_esketamine_only_plan_starts_from_the_esketamine_label(db) -> None:
    from sessions.forms.scheduling import PlanForm

    form = PlanForm(allowed_routes=["intranasal_esketamine"], current=None)
    assert form["route"].value() == "intranasal_esketamine"
    assert form["dose_mode"].value() == "fixed_mg"  # never an mg/kg dose
    assert form["esketamine_devices"].value() == 2  # 56 mg
    assert form["series_length"].value() == "8"
    assert form["maintenance_interval_weeks"].value() == 2  # not the IV default of 4
    assert form["protocol"].value() == Protocol.objects.get(code="esketamine-induction").pk


def test_an_iv_only_plan_starts_from_the_usual_iv_order(db) -> None:
    from sessions.forms.scheduling import PlanForm

    form = PlanForm(allowed_routes=["iv"], current=None)
    assert form["dose_mode"].value() == "mg_per_kg"
    assert form["dose_mg_per_kg"].value() == "0.5"
    assert form["infusion_minutes"].value() == 40
    assert form["series_length"].value() == "6"
    assert form["maintenance_interval_weeks"].value() == 4
    assert form["protocol"].value() == Protocol.objects.get(code="iv-standard").pk


def test_the_page_offers_each_approved_routes_start_and_its_protocols(
    approved, login, personas
) -> None:
    client = login(personas.psychiatrist)
    response = client.get(reverse("plan", args=[approved.pk]))
    starts = response.context["form"].route_starts()
    assert set(starts["routes"]) == {"iv", "intranasal_esketamine"}  # approved ones only
    esketamine = starts["routes"]["intranasal_esketamine"]
    assert esketamine["values"]["esketamine_devices"] == 2
    assert esketamine["values"]["maintenance_interval_weeks"] == 2
    assert "dose_mg_per_kg" not in esketamine["fields"]
    assert "56 mg by two devices" in esketamine["filled"]
    html = response.content.decode()
    assert 'id="plan-route-starts"' in html
    iv_standard = Protocol.objects.get(code="iv-standard").pk
    assert f'value="{iv_standard}" data-route="iv"' in html


def test_an_esketamine_plan_needs_no_dose_mode_but_another_route_does(
    approved, login, personas
) -> None:
    client = login(personas.psychiatrist)
    url = reverse("plan", args=[approved.pk])
    # The page hides (and so does not send) the dose order for esketamine.
    esketamine = {
        "route": "intranasal_esketamine",
        "protocol": Protocol.objects.get(code="esketamine-induction").pk,
        "esketamine_devices": "2",
        "series_length": "8",
        "maintenance_interval_weeks": "2",
        "rems_patient_id": "RP-1",
        "rems_enrolled_on": "2026-11-02",
    }
    response = client.post(url, iv_plan(dose_mode=""))
    assert response.status_code == 200
    assert "Choose how the dose is ordered" in response.content.decode()
    assert not TreatmentPlan.objects.exists()
    ClinicSettings.objects.filter(pk=1).update(
        rems_certification_id="RMS-1", rems_certified_on=dt.date(2025, 1, 1)
    )
    assert client.post(url, esketamine)["Location"] == url
    assert TreatmentPlan.objects.get().dose_mode == "fixed_mg"
