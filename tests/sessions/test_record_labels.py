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
