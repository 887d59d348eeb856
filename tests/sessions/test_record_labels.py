"""The session record PDF shows words, not stored codes (issue 15, 4)."""

from __future__ import annotations

from django.template import Context, Template


def test_codes_in_the_session_record_read_as_words() -> None:
    rendered = Template(
        "{% load record_labels %}{{ 'OBSERVATION_TIME'|criterion_label }} | "
        "{{ 'ESCORT_PRESENT'|criterion_label }}"
    ).render(Context())
    assert rendered == "Minimum observation time passed | Escort present to take the patient home"


def test_check_in_answers_read_as_words_never_as_stored_values() -> None:
    from sessions.models.checkin import CheckInEntry

    entries = [
        CheckInEntry(item="weight_kg", value={"kg": "67.4", "confirmed": False}),
        CheckInEntry(item="weight_kg", value={"kg": "90.0", "confirmed": True}),
        CheckInEntry(item="pregnancy", value="not_pregnant"),
        CheckInEntry(item="phq9", value={"total": 4, "item9": 0}),
        CheckInEntry(item="asq", value={"band": "negative"}),
        CheckInEntry(item="fasting", value=True),
    ]
    rendered = Template(
        "{% load record_labels %}{% for e in entries %}{{ e|checkin_entry_text }}|{% endfor %}"
    ).render(Context({"entries": entries}))
    assert rendered == (
        "67.4 kg (148.6 lb)|90.0 kg (198.4 lb) — large change confirmed as re-measured|"
        "Not pregnant|PHQ-9 4 (question 9: 0)|ASQ negative|Confirmed|"
    )
    assert "{" not in rendered


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
