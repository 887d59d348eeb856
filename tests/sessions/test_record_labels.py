"""The session record PDF shows words, not stored codes (issue 15, 4)."""

from __future__ import annotations

from django.template import Context, Template


def test_codes_in_the_session_record_read_as_words() -> None:
    rendered = Template(
        "{% load record_labels %}{{ 'not_pregnant'|checkin_value }} | "
        "{{ 'OBSERVATION_TIME'|criterion_label }} | {{ 'ESCORT_PRESENT'|criterion_label }}"
    ).render(Context())
    assert rendered == (
        "Not pregnant | Minimum observation time passed | Escort present to take the patient home"
    )


def test_vital_alert_codes_read_as_words_with_their_level() -> None:
    from sessions.models import VitalAlert

    alerts = [
        VitalAlert(code="BP_HIGH", level="critical"),
        VitalAlert(code="SPO2_LOW", level="warning"),
        VitalAlert(code="BP_RISE", level="warning"),
    ]
    rendered = Template(
        "{% load record_labels %}{% for a in alerts %}{{ a|alert_label }}|{% endfor %}"
    ).render(Context({"alerts": alerts}))
    assert rendered == (
        "Critical: blood pressure high|Warning: oxygen saturation (SpO2) low|"
        "Warning: systolic risen well above the pre-dose value|"
    )


def test_every_alert_code_of_the_engine_has_words() -> None:
    import inspect

    from sessions import monitoring
    from sessions.templatetags.record_labels import ALERT_LABELS

    source = inspect.getsource(monitoring.vital_alerts)
    codes = {code for code in ALERT_LABELS if f'"{code}"' in source}
    assert codes == set(ALERT_LABELS)
    assert source.count("Alert(") == 2 * len(ALERT_LABELS) - 1  # BP_RISE has no critical
