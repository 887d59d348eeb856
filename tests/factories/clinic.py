"""Factories for the clinic app: logins, roles, patients, the clinic's settings and hours,
chairs, reminders, documents and audit rows.

Every factory makes a row that passes `full_clean()` and can be made again in the same
test without a uniqueness clash. Rows that belong to a patient take the patient from the
row they hang off (see `PatientRecordFactory`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

import factory
from django.db import models
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.choices import (
    AccountType,
    AuditAction,
    Channel,
    DocumentStatus,
    JourneyState,
    Role,
    Weekday,
)
from clinic.models import (
    AuditEvent,
    AuthenticatorEnrollment,
    Chair,
    ClinicSettings,
    Closure,
    Document,
    Location,
    OpeningHours,
    PasswordResetRequest,
    Patient,
    Reminder,
    RoleRequest,
    StaffRole,
    User,
)
from sessions.reminders import SESSION_24H

PASSWORD = "correct-horse-battery-staple"  # 28 characters: valid for staff and patients

# The rows a record hangs off: when a factory is given one of these and also a related
# row (a plan, a reading, a screening…), the related row must belong to the same one.
_ANCHORS = ("patient", "session", "intake", "note")


class PatientRecordFactory(factory.django.DjangoModelFactory):
    """Base of the factories of rows that belong to one patient (or one session, intake
    or note): refuses to store a row whose related rows belong to another one, so a test
    never builds an appointment on another patient's plan by accident.

    Defaults root each row on its patient: `AppointmentFactory(patient=p)` builds the plan
    for `p` too. A related row given explicitly (`plan=...`) must belong to the row's
    patient: pass that patient as well (`patient=plan.patient`)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> Any:
        _check_one_owner(model_class, kwargs)
        return super()._create(model_class, *args, **kwargs)


def _check_one_owner(model_class: type[models.Model], values: dict[str, Any]) -> None:
    for anchor in _ANCHORS:
        owner = values.get(anchor)
        if not isinstance(owner, models.Model):
            continue
        for name, value in values.items():
            if name == anchor or not isinstance(value, models.Model):
                continue
            related_owner = getattr(value, f"{anchor}_id", None)
            if related_owner is not None and related_owner != owner.pk:
                raise ValueError(
                    f"{model_class.__name__}: {name} belongs to {anchor} {related_owner}, "
                    f"not to {anchor} {owner.pk}; pass {anchor}={name}.{anchor} or leave "
                    f"{name} to the factory."
                )


def token_hash(n: int) -> str:
    """A SHA-256 hex digest standing for a token the user was sent (only hashes are
    stored)."""
    return hashlib.sha256(f"token-{n}".encode()).hexdigest()


class UserFactory(factory.django.DjangoModelFactory):
    """A staff login without any role (a role is a `StaffRole` row: `StaffFactory`)."""

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
    """A staff member holding `roles` (default: nurse)."""

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for role in extracted or [Role.NURSE]:
            StaffRoleFactory(user=self, role=role)
            if role == Role.ADMIN:
                self.is_staff = True
                self.save(update_fields=["is_staff"])


def staff(role: str) -> factory.SubFactory:
    """A new staff member holding one role, as a related row of another factory."""
    return factory.SubFactory(StaffFactory, roles=[role])


class PatientLoginFactory(UserFactory):
    account_type = AccountType.PATIENT


class StaffRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory)
    role = Role.NURSE


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A staff member's confirmed authenticator app (django-otp's TOTP device, a random
    key, 30-second six-digit codes): the second factor a verified sign-in used."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(StaffFactory)
    name = "phone"
    confirmed = True


class RoleRequestFactory(factory.django.DjangoModelFactory):
    """A pending request, by one admin, to give a staff member a role."""

    class Meta:
        model = RoleRequest

    user = factory.SubFactory(UserFactory)
    role = Role.THERAPIST
    requested_by = staff(Role.ADMIN)
    reason = "Joins the integration team on Mondays."


class AuthenticatorEnrollmentFactory(factory.django.DjangoModelFactory):
    """An unused set-up link, sent by an admin, valid for a day."""

    class Meta:
        model = AuthenticatorEnrollment

    user = factory.SubFactory(StaffFactory)
    token_hash = factory.Sequence(token_hash)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    sent_by = staff(Role.ADMIN)


class PasswordResetRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PasswordResetRequest

    email = factory.Sequence(lambda n: f"forgot{n}@clinic.example")
    email_digest = factory.LazyAttribute(
        lambda row: hashlib.sha256(row.email.casefold().encode()).hexdigest()
    )


class ClinicSettingsFactory(factory.django.DjangoModelFactory):
    """The clinic's one settings row (pk 1): made once, then the same row is returned."""

    class Meta:
        model = ClinicSettings
        django_get_or_create = ("id",)

    id = 1
    name = "Test Clinic"
    phone = "+16175550100"
    email = "front.desk@clinic.example"
    address = "200 Harbor Street, Suite 4, Boston, MA 02110"


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    """One weekday's hours at a location (default the test clinic's location, Monday
    08:00–18:00); a location has one row per weekday, so making it again returns the row
    already there."""

    class Meta:
        model = OpeningHours
        django_get_or_create = ("location", "weekday")

    location = factory.SubFactory("tests.factories.clinic.LocationFactory")
    weekday = Weekday.MONDAY
    opens_at = dt.time(8)
    closes_at = dt.time(18)


class ClosureFactory(factory.django.DjangoModelFactory):
    """A whole day closed at every location (pass `location` to close one only), a
    different day for each row, two months ahead and later."""

    class Meta:
        model = Closure

    location = None
    date = factory.Sequence(lambda n: timezone.localdate() + dt.timedelta(days=60 + n))
    reason = "Staff training day"


class LocationFactory(factory.django.DjangoModelFactory):
    """The clinic's location (by default the one "Test Clinic" location every chair is at:
    made once, then the same row is returned), with a DEA registration valid for two more
    years and a REMS certification. A fictitious, valid-format DEA number (check digit)."""

    class Meta:
        model = Location
        django_get_or_create = ("name",)

    name = "Test Clinic"
    address = "200 Harbor Street, Suite 4, Boston, MA 02110"
    phone = "+16175550100"
    dea_number = "FT1234563"
    dea_schedules = "3,3N,4,5"
    dea_expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=730))
    rems_certification_id = "HCS-0001"
    rems_certified_on = dt.date(2026, 1, 5)


class ChairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chair

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Recliner {n + 1}")
    room = factory.Sequence(lambda n: f"Treatment room {n % 3 + 1}")
    display_order = factory.Sequence(lambda n: n)


class PatientFactory(factory.django.DjangoModelFactory):
    """A patient awaiting review, without a login or care team (see the traits)."""

    class Meta:
        model = Patient

    class Params:
        # A patient in treatment: a psychiatrist of their own and a treatment plan.
        in_treatment = factory.Trait(
            journey_state=JourneyState.PLAN,
            psychiatrist=staff(Role.PSYCHIATRIST),
        )

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


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An audit row, appended through `clinic.audit.audit_record` so the hash chain stays
    whole (a row stored any other way would break `verify_audit`). Default: a staff
    member viewed a patient's record."""

    class Meta:
        model = AuditEvent

    action = AuditAction.VIEW
    user = factory.SubFactory(StaffFactory)
    patient = factory.SubFactory(PatientFactory)
    object_type = "clinic.patient"
    object_id = factory.LazyAttribute(lambda row: str(row.patient.pk) if row.patient else "")

    @classmethod
    def _create(cls, model_class: type[AuditEvent], *args: Any, **kwargs: Any) -> AuditEvent:
        from clinic.audit import audit_record

        return audit_record(**kwargs)


class ReminderFactory(PatientRecordFactory):
    """A pending email reminder to the patient, the day before a session."""

    class Meta:
        model = Reminder

    kind = SESSION_24H
    patient = factory.SubFactory(PatientFactory)
    channel = Channel.EMAIL
    target = factory.Sequence(lambda n: f"appointment:{n + 1}/patient/email")
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    address = factory.LazyAttribute(lambda row: row.patient.email)


def _next_document_version(row: Any) -> int:
    latest = (
        Document.objects.filter(kind=row.kind, patient=row.patient, subject_id=row.subject_id)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (latest or 0) + 1


class DocumentFactory(PatientRecordFactory):
    """A requested (not yet generated) PDF of the patient's eligibility decision letter;
    the next version of that document."""

    class Meta:
        model = Document

    kind = "decision_letter"
    patient = factory.SubFactory(PatientFactory)
    subject_id = None  # the decision it is about; pass its id
    version = factory.LazyAttribute(_next_document_version)
    status = DocumentStatus.PENDING
    requested_by = staff(Role.PSYCHIATRIST)


def open_clinic(location: Location | None = None, weekdays: Iterable[int] = range(5)) -> Location:
    """Opening hours at `location` (the test clinic's location by default) on `weekdays`
    (Monday to Friday), 08:00–18:00; a weekday without a row is closed there."""
    location = location or LocationFactory()
    for weekday in weekdays:
        OpeningHours.objects.get_or_create(
            location=location,
            weekday=weekday,
            defaults={"opens_at": dt.time(8), "closes_at": dt.time(18)},
        )
    return location


def open_day(days_ahead: int) -> dt.date:
    """The first weekday (Mon–Fri) at least `days_ahead` days from today."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day
