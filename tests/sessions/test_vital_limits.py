"""The clinic's vital-sign limits: kept by the sessions app (not the core), read with the
clinic settings row at no extra query, edited by the admin on the clinic settings page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test.client import Client
from django.urls import reverse

from clinic.models import ClinicSettings
from clinic.selectors import clinic_settings, request_clinic_settings
from sessions import monitoring
from sessions.models import VitalLimitSettings
from sessions.selectors.safety import vital_limits
from tests.factories import VitalLimitSettingsFactory


def test_vital_limits_refuse_limits_in_the_wrong_order(personas) -> None:
    limits = VitalLimitSettings(clinic=ClinicSettings.objects.get(pk=1), hr_high_critical=100)
    with pytest.raises(ValidationError) as error:
        limits.full_clean()
    assert "hr_high_critical" in error.value.message_dict


def test_stored_vital_limits_are_handed_to_the_rule_engine_as_pairs(personas) -> None:
    VitalLimitSettingsFactory(clinic=ClinicSettings.objects.get(pk=1))
    limits = VitalLimitSettings.objects.get(pk=1).vital_limit_values()
    assert limits["bp_high_critical"] == (180, 110)
    assert limits["predose_hr"] == (45, 120)
    assert limits["spo2_low_critical"] == 90


def test_a_new_clinics_limits_are_the_engines_defaults(personas, django_assert_num_queries) -> None:
    assert not VitalLimitSettings.objects.exists()
    assert vital_limits() == monitoring.VitalLimits()
    with django_assert_num_queries(1), request_clinic_settings():
        assert vital_limits() == monitoring.VitalLimits()
    assert monitoring.VitalLimits(**VitalLimitSettings().vital_limit_values()) == (
        monitoring.VitalLimits()
    )


def test_stored_limits_reach_the_engine_with_the_settings_row_and_no_extra_query(
    personas, django_assert_num_queries
) -> None:
    VitalLimitSettingsFactory(
        clinic=ClinicSettings.objects.get(pk=1), hr_high_warning=110, predose_spo2=95
    )
    with django_assert_num_queries(1), request_clinic_settings():
        limits = vital_limits()
        assert vital_limits(clinic_settings()) == limits
    assert limits.hr_high_warning == 110
    assert limits.predose_spo2 == 95
    assert limits.hr_high_critical == monitoring.VitalLimits().hr_high_critical


def _change_form_data(response: Any) -> dict[str, Any]:
    """What the browser would post back from an admin change page, unchanged."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {
            management.add_prefix(name): management[name].value() for name in management.fields
        }
        forms += inline.formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


def _settings_page(client: Client) -> tuple[str, dict[str, Any]]:
    url = reverse("admin:clinic_clinicsettings_change", args=[1])
    response = client.get(url)
    assert response.status_code == 200
    return url, _change_form_data(response)


def test_an_admin_sets_the_vital_limits_on_the_clinic_settings_page(login, personas) -> None:
    client = login(personas.admin)
    url, data = _settings_page(client)
    assert data["vital_limits-0-hr_high_warning"] == 120  # the defaults, nothing stored yet
    response = client.post(url, data | {"vital_limits-0-hr_high_warning": "110"})
    assert response.status_code == 302
    assert VitalLimitSettings.objects.get(pk=1).hr_high_warning == 110
    assert vital_limits().hr_high_warning == 110

    _, data = _settings_page(client)
    assert data["vital_limits-0-hr_high_warning"] == 110
    assert client.post(url, data | {"vital_limits-0-predose_spo2": "96"}).status_code == 302
    assert VitalLimitSettings.objects.get(pk=1).predose_spo2 == 96
    assert VitalLimitSettings.history.count() == 2


def test_limits_in_the_wrong_order_are_refused_next_to_the_field(login, personas) -> None:
    client = login(personas.admin)
    url, data = _settings_page(client)
    response = client.post(url, data | {"vital_limits-0-hr_high_critical": "100"})
    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.forms[0].errors["hr_high_critical"] == [
        "Must be above the warning level."
    ]
    assert "Must be above the warning level." in response.content.decode()
    assert not VitalLimitSettings.objects.exists()
