"""factory-boy factories for the core domain."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from clinic.choices import AccountType, JourneyState, Role
from clinic.models import Patient, StaffRole, User

PASSWORD = "correct-horse-battery-staple"  # 28 characters: valid for staff and patients


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@clinic.example")
    account_type = AccountType.STAFF
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for role in extracted or [Role.NURSE]:
            StaffRole.objects.create(user=self, role=role)
            if role == Role.ADMIN:
                self.is_staff = True
                self.save(update_fields=["is_staff"])


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"T-{n:06d}")
    legal_first_name = factory.Faker("first_name")
    legal_last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=20, maximum_age=75)
    email = factory.LazyAttribute(
        lambda patient: f"{patient.legal_first_name}.{patient.mrn}@patients.example".lower()
    )
    phone = "+16175550134"
    journey_state = JourneyState.AWAITING_REVIEW
    journey_state_since = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=2))


class PatientLoginFactory(UserFactory):
    account_type = AccountType.PATIENT


def approve(patient: Patient, psychiatrist: User, routes: list[str] | None = None) -> object:
    """An approved eligibility decision for the patient (with the intake and screening it
    rests on), as a psychiatrist would have signed it."""
    from intake.models import EligibilityDecision, Intake, ScreeningResult

    intake, _ = Intake.objects.get_or_create(patient=patient, defaults={"status": "submitted"})
    screening = ScreeningResult.objects.create(
        intake=intake,
        answers={},
        level="clear",
        flags=[],
        ruleset_version="2026.2",
        trigger="submission",
        created_by=psychiatrist,
        created_at=timezone.now() - dt.timedelta(days=3),
    )
    return EligibilityDecision.objects.create(
        patient=patient,
        intake=intake,
        screening=screening,
        decision="approved",
        allowed_routes=routes or ["iv", "im", "intranasal_esketamine", "oral"],
        signed_by=psychiatrist,
        signed_at=timezone.now() - dt.timedelta(days=2),
    )


def open_clinic() -> None:
    """Opening hours Monday to Friday, 08:00–18:00 (a weekday without a row is closed)."""
    from clinic.models import OpeningHours

    for weekday in range(5):
        OpeningHours.objects.get_or_create(
            weekday=weekday, defaults={"opens_at": dt.time(8), "closes_at": dt.time(18)}
        )


def open_day(days_ahead: int) -> dt.date:
    """The first weekday (Mon–Fri) at least `days_ahead` days from today."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day
