"""The nurse's check-in of a demo session, one item a minute, then the questionnaires."""

from __future__ import annotations

import datetime as dt
import random

from clinic import clock
from clinic.models import User
from clinic.selectors import clinic_settings
from sessions.demo_records.patient_response import demo_weight, expected_phq9, items_for
from sessions.demo_records.timeline import MIN
from sessions.models import Appointment, AppointmentStatus, TreatmentSession
from sessions.models.checkin import CheckInItem
from sessions.record_rules import checkin_required_items
from sessions.services.checkin import (
    checkin_asq,
    checkin_medications,
    checkin_phq9,
    checkin_record,
    pregnancy_test_record,
)


def chart_checkin(
    session: TreatmentSession, nurse: User, at: dt.datetime, rng: random.Random
) -> None:
    """The nurse's check-in at the chair, one item a minute, then the questionnaires."""
    answers: dict[str, object] = {
        CheckInItem.IDENTITY: True,
        CheckInItem.WEIGHT: str(demo_weight(session)),
        CheckInItem.FASTING: True,
        CheckInItem.ESCORT: True,
        CheckInItem.NO_DRIVING: True,
        CheckInItem.PREGNANCY: "not_pregnant",
    }
    first_dose = not Appointment.objects.filter(
        patient_id=session.patient_id, status=AppointmentStatus.COMPLETED
    ).exists()
    for minute, item in enumerate(checkin_required_items(session)):
        with clock.at(at + minute * MIN):
            if item == CheckInItem.MEDICATION_CHANGES:
                checkin_medications(session=session, changes="None", medicines={}, actor=nurse)
            elif item == CheckInItem.PHQ9:
                phq9 = items_for(expected_phq9(session), 8, 3, rng) | {"q9": 0}
                checkin_phq9(session=session, items=phq9, actor=nurse)
            elif item == CheckInItem.ASQ:
                asq = {f"q{n}": 0 for n in range(1, 5)}
                checkin_asq(session=session, items=asq, actor=nurse)
            else:
                checkin_record(session=session, item=item, value=answers[item], actor=nurse)
            if item == CheckInItem.PREGNANCY and first_dose:
                pregnancy_test_record(
                    session=session,
                    tested_on=clock.localdate(clinic_settings().zone),
                    kind="urine",
                    result="negative",
                    actor=nurse,
                )
