"""Questionnaire (the instruments, public-domain wording) and QuestionnaireResponse
(each completed measure, item by item)."""

from __future__ import annotations

from typing import Any

from fhir import codes
from fhir.mapping.common import reference, staff_reference
from fhir.resource import Resource, instant, resource
from intake.instruments import (
    ASQ_ACUTE_QUESTION,
    ASQ_QUESTIONNAIRE,
    QUESTIONNAIRES,
)
from intake.instruments import Questionnaire as Instrument
from intake.models import MeasureResult

ANSWER_SYSTEM = "urn:ketamine-clinic:answer-score"


def instruments() -> dict[str, Instrument]:
    """Every instrument a measure can hold, by its code (phq9, gad7, pcl5, asq)."""
    return {**QUESTIONNAIRES, ASQ_QUESTIONNAIRE.code: ASQ_QUESTIONNAIRE}


def canonical(code: str) -> str:
    """LOINC's canonical URL for a LOINC panel; the clinic's own for the ASQ."""
    panel = codes.INSTRUMENTS.get(code)
    return f"http://loinc.org/q/{panel.panel.code}" if panel else f"urn:ketamine-clinic:q:{code}"


def _questions(instrument: Instrument) -> list[tuple[str, str]]:
    found = [(f"q{n}", text) for n, text in enumerate(instrument.items, start=1)]
    if instrument.code == ASQ_QUESTIONNAIRE.code:
        found.append((f"q{len(found) + 1}", ASQ_ACUTE_QUESTION))
    return found


def questionnaire_resource(instrument: Instrument) -> Resource:
    panel = codes.INSTRUMENTS.get(instrument.code)
    options = [
        {"valueCoding": {"system": ANSWER_SYSTEM, "code": str(score), "display": label}}
        for score, label in enumerate(instrument.answers)
    ]
    data: dict[str, Any] = {
        "id": instrument.code,
        "url": canonical(instrument.code),
        "name": instrument.code.upper(),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.stem,
        "item": [
            {"linkId": link, "text": text, "type": "choice", "answerOption": options}
            for link, text in _questions(instrument)
        ],
    }
    if panel is not None:
        data["code"] = [
            {"system": codes.LOINC, "code": panel.panel.code, "display": panel.panel.display}
        ]
    return resource("Questionnaire", **data)


def response_resource(measure: MeasureResult) -> Resource:
    instrument = instruments().get(measure.instrument)
    wording = dict(_questions(instrument)) if instrument else {}
    answers = instrument.answers if instrument else ()
    items = []
    for link, score in sorted(measure.items.items(), key=_number):
        answer: dict[str, Any] = {"system": ANSWER_SYSTEM, "code": str(score)}
        if isinstance(score, int) and 0 <= score < len(answers):
            answer["display"] = answers[score]
        item: dict[str, Any] = {"linkId": link, "answer": [{"valueCoding": answer}]}
        if link in wording:
            item["text"] = wording[link]
        items.append(item)
    return resource(
        "QuestionnaireResponse",
        id=str(measure.pk),
        questionnaire=canonical(measure.instrument),
        status="completed",
        subject=reference("Patient", measure.patient_id),
        authored=instant(measure.taken_at),
        author=staff_reference(measure.entered_by),
        item=items,
    )


def _number(item: tuple[str, object]) -> tuple[int, str]:
    digits = item[0].lstrip("q")
    return (int(digits) if digits.isdigit() else 10_000, item[0])
