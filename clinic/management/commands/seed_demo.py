"""Fill the database with one demo clinic: hours, chairs, closures, staff, patients.

Idempotent: running it again changes nothing that already exists. Later features
extend it with their own demo records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db import transaction

from clinic import clock
from clinic.choices import JourneyState, ReminderChannel, Role, SexAtBirth
from clinic.management.base import AuditedCommand
from clinic.models import Chair, Closure, Location, OpeningHours, Patient, User
from clinic.selectors import clinic_settings
from clinic.services import accounts, patients

PAST_INDUCTION = (JourneyState.MAINTENANCE, JourneyState.PAUSED, JourneyState.DISCHARGED)
STAFF_PASSWORD = "demo-clinic-2026"  # noqa: S105 - published demo credentials
PATIENT_PASSWORD = "demo-patient-2026"  # noqa: S105 - published demo credentials
# Harbor Point closes for a day of its own (the other location stays open).
HARBOR_TRAINING = "Harbor Point staff training"
# Staff who work at both demo locations (everyone else works at Riverside).
BOTH_LOCATIONS = ("nurse2", "coordinator")
# Harbor Point's own patients (their home location): its clinic day (sessions.demo_live_day).
HARBOR_PATIENTS = {("Hassan", "Haddad"), ("Lena", "Fischer"), ("Marco", "Bianchi")}

STAFF = [
    # username, title, credentials, first, last, roles
    ("coordinator", "", "", "Maria", "Lopez", [Role.COORDINATOR]),
    ("nurse", "", "RN", "James", "Carter", [Role.NURSE]),
    ("psychiatrist", "Dr.", "MD", "Priya", "Raman", [Role.PSYCHIATRIST]),
    ("therapist", "", "LMFT", "Dana", "Whitfield", [Role.THERAPIST]),
    ("admin", "", "", "Sam", "Okafor", [Role.ADMIN]),
    ("psychiatrist2", "Dr.", "MD", "Thomas", "Berg", [Role.PSYCHIATRIST]),
    ("therapist2", "", "LCSW", "Lena", "Moreau", [Role.THERAPIST]),
    # nurse2 is the nurse lead: the controlled-substance manager of both locations.
    (
        "nurse2",
        "",
        "RN",
        "Aisha",
        "Bello",
        [Role.NURSE, Role.COORDINATOR, Role.CONTROLLED_SUBSTANCE_MANAGER],
    ),
    # A second admin, so a role request can be approved in the demo (a second admin decides).
    ("admin2", "", "", "Noah", "Levi", [Role.ADMIN]),
]

# first, last, preferred, born, sex, state, days in state, psychiatrist, therapist, channel
PATIENTS: list[tuple[Any, ...]] = [
    (
        "Alex",
        "Morgan",
        "",
        "1986-04-12",
        "male",
        "induction",
        9,
        "psychiatrist",
        "therapist",
        "both",
    ),
    (
        "Jordan",
        "Reyes",
        "Jo",
        "1991-09-30",
        "female",
        "maintenance",
        40,
        "psychiatrist",
        "therapist",
        "email",
    ),
    (
        "Emily",
        "Chen",
        "",
        "1979-02-03",
        "female",
        "awaiting_review",
        3,
        "psychiatrist",
        "",
        "email",
    ),
    ("Marcus", "Johnson", "", "1968-11-21", "male", "awaiting_review", 1, "", "", "sms"),
    ("Sofia", "Rossi", "", "1995-06-14", "female", "intake_in_progress", 2, "", "", "email"),
    ("Daniel", "Kim", "Dan", "1983-08-08", "male", "invited", 1, "", "", "email"),
    (
        "Grace",
        "Okonkwo",
        "",
        "1975-12-19",
        "female",
        "eligible",
        4,
        "psychiatrist",
        "therapist",
        "both",
    ),
    ("Noah", "Patel", "", "1999-03-27", "male", "plan", 2, "psychiatrist2", "therapist2", "sms"),
    (
        "Olivia",
        "Brennan",
        "Liv",
        "1988-07-01",
        "female",
        "induction",
        14,
        "psychiatrist2",
        "therapist2",
        "email",
    ),
    (
        "Ethan",
        "Walsh",
        "",
        "1972-01-15",
        "male",
        "maintenance",
        75,
        "psychiatrist",
        "therapist2",
        "email",
    ),
    (
        "Hannah",
        "Schmidt",
        "",
        "1993-10-05",
        "female",
        "more_information",
        5,
        "psychiatrist",
        "",
        "email",
    ),
    (
        "Samuel",
        "Adeyemi",
        "Sam",
        "1981-05-23",
        "male",
        "declined",
        12,
        "psychiatrist2",
        "",
        "email",
    ),
    ("Chloe", "Martin", "", "1997-12-11", "female", "intake_in_progress", 6, "", "", "sms"),
    (
        "Liam",
        "O'Connor",
        "",
        "1964-09-09",
        "male",
        "paused",
        20,
        "psychiatrist",
        "therapist",
        "email",
    ),
    (
        "Ava",
        "Nguyen",
        "",
        "1990-04-28",
        "female",
        "induction",
        5,
        "psychiatrist",
        "therapist",
        "both",
    ),
    (
        "Benjamin",
        "Cohen",
        "Ben",
        "1977-03-16",
        "male",
        "discharged",
        60,
        "psychiatrist2",
        "therapist",
        "none",
    ),
    (
        "Isabella",
        "Garcia",
        "Bella",
        "1985-11-02",
        "female",
        "awaiting_review",
        6,
        "psychiatrist2",
        "",
        "email",
    ),
    ("Mason", "Hughes", "", "2001-07-19", "male", "invited", 4, "", "", "sms"),
    (
        "Zoe",
        "Anderson",
        "",
        "1994-02-22",
        "female",
        "eligible",
        1,
        "psychiatrist2",
        "therapist2",
        "email",
    ),
    ("Lucas", "Silva", "", "1987-06-06", "male", "plan", 6, "psychiatrist", "therapist", "email"),
    (
        "Mia",
        "Kowalski",
        "",
        "1969-08-13",
        "female",
        "maintenance",
        120,
        "psychiatrist2",
        "therapist2",
        "both",
    ),
    (
        "Henry",
        "Dubois",
        "",
        "1958-10-30",
        "male",
        "induction",
        18,
        "psychiatrist",
        "therapist2",
        "email",
    ),
    ("Amara", "Mensah", "", "1992-01-09", "intersex", "intake_in_progress", 1, "", "", "email"),
    (
        "Ruth",
        "Feldman",
        "",
        "1960-05-17",
        "female",
        "discharged",
        200,
        "psychiatrist",
        "therapist",
        "email",
    ),
    (
        "Tyler",
        "Brooks",
        "",
        "1998-09-25",
        "prefer_not_to_say",
        "awaiting_review",
        2,
        "",
        "",
        "email",
    ),
    ("Hassan", "Haddad", "", "1987-10-02", "male", "induction", 11, "psychiatrist", "", "email"),
    ("Lena", "Fischer", "", "1990-04-18", "female", "induction", 9, "psychiatrist", "", "sms"),
    ("Marco", "Bianchi", "", "1972-08-30", "male", "induction", 6, "psychiatrist", "", "email"),
]

PATIENT_LOGINS = {
    ("Alex", "Morgan"): "patient",
    ("Jordan", "Reyes"): "patient2",
    # Declined: the portal shows the letter the psychiatrist signed.
    ("Samuel", "Adeyemi"): "patient3",
}

CITIES = [
    ("Cambridge", "MA", "02139"),
    ("Somerville", "MA", "02143"),
    ("Boston", "MA", "02115"),
    ("Brookline", "MA", "02446"),
    ("Newton", "MA", "02458"),
]

STREETS = ["Elm", "Oak", "Maple", "Cedar", "Pine"]
CONTACT_NAMES = ["Chris", "Pat", "Robin", "Jamie", "Casey"]
RELATIONSHIPS = ["spouse", "parent", "sibling", "partner", "friend"]


class Command(AuditedCommand):
    help = "Create the demo clinic (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            self._clinic()
            staff = {username: self._staff(username, *rest) for username, *rest in STAFF}
            created = sum(self._patient(index, row, staff) for index, row in enumerate(PATIENTS))
            self._assign_locations(staff)
            # Feature apps add their own demo records through an optional AppConfig hook.
            for config in apps.get_app_configs():
                if hasattr(config, "seed_demo"):
                    config.seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready ({created} patients added)."))
        self.stdout.write(
            f"Demo logins (staff password: {STAFF_PASSWORD}, patient password: {PATIENT_PASSWORD}):"
        )
        for username, _title, _credentials, first, last, roles in STAFF:
            self.stdout.write(f"  {username:<14} {first} {last} — {', '.join(roles)}")
        for (first, last), username in PATIENT_LOGINS.items():
            self.stdout.write(f"  {username:<14} {first} {last} — patient")

    def _clinic(self) -> None:
        clinic = clinic_settings()
        if clinic.name == "Ketamine Clinic":
            clinic.name = "Riverside Ketamine Clinic"
            clinic.phone = "+1 617 555 0100"
            clinic.email = "care@riverside-clinic.example"
            clinic.address = "200 River Street, Cambridge, MA 02139"
            clinic.rems_certification_id = "RMS-4471902"
            clinic.rems_certified_on = dt.date(2025, 3, 1)
            clinic.save()
        # The demo runs live sessions today at Riverside (sessions.demo_records), so today
        # is an open day there whatever weekday the demo is started on: on a Sunday
        # Riverside opens on Sundays too, and a holiday is not seeded as a closure on the
        # day itself. (A closure from an earlier run stays: the home page then names it
        # and the next open day.)
        today = clock.localdate(clinic.zone)
        riverside, harbor = self._locations(clinic, today)
        self._opening_hours(riverside, harbor, today)
        for number, room in [(1, "Suite A"), (2, "Suite A"), (3, "Suite B"), (4, "Suite B")]:
            Chair.objects.get_or_create(
                name=f"Chair {number}",
                defaults={"room": room, "display_order": number, "location": riverside},
            )
        for number in (1, 2):
            Chair.objects.get_or_create(
                name=f"Harbor {number}",
                defaults={"room": "Harbor suite", "display_order": 10 + number, "location": harbor},
            )
        year = today.year
        for day, reason in [
            (dt.date(year, 11, 26), "Thanksgiving"),
            (dt.date(year, 12, 25), "Christmas Day"),
            (dt.date(year + 1, 1, 1), "New Year's Day"),
            (dt.date(year + 1, 1, 18), "Martin Luther King Jr. Day"),
        ]:
            if day != today:  # public holidays: every location is closed
                Closure.objects.get_or_create(location=None, date=day, defaults={"reason": reason})

    def _opening_hours(self, riverside: Location, harbor: Location, today: dt.date) -> None:
        """Riverside opens Monday to Friday 08:00–18:00 and Saturday morning (and today,
        whatever day it is); Harbor Point keeps shorter hours, never opens on Wednesdays
        or weekends, and closes on a day of its own next week (a staff training day) —
        so the two locations' calendars differ where a coordinator looks."""
        weekly = {weekday: (dt.time(8), dt.time(18)) for weekday in range(5)}
        weekly[5] = (dt.time(9), dt.time(13))
        weekly.setdefault(today.weekday(), (dt.time(8), dt.time(18)))
        for weekday, (opens, closes) in weekly.items():
            OpeningHours.objects.get_or_create(
                location=riverside,
                weekday=weekday,
                defaults={"opens_at": opens, "closes_at": closes},
            )
        for weekday in (0, 1, 3, 4):
            OpeningHours.objects.get_or_create(
                location=harbor,
                weekday=weekday,
                defaults={"opens_at": dt.time(9), "closes_at": dt.time(17)},
            )
        training = today + dt.timedelta(days=7 - today.weekday() + 3)  # next week's Thursday
        Closure.objects.get_or_create(
            location=harbor, reason=HARBOR_TRAINING, defaults={"date": training}
        )

    def _locations(self, clinic: Any, today: dt.date) -> tuple[Location, Location]:
        """Riverside (the clinic's first location: the one a migrated database already
        has) and Harbor Point, whose DEA registration expires in 45 days when first made,
        so the admin's home page shows the renewal warning. The DEA numbers are
        fictitious (valid format and check digit, no real registrant)."""
        riverside = Location.objects.order_by("pk").first()
        if riverside is None:
            riverside = Location.objects.create(
                name="Riverside",
                address=clinic.address,
                phone=clinic.phone,
                time_zone=clinic.time_zone,
                nurse_capacity=clinic.nurse_capacity,
                rems_certification_id=clinic.rems_certification_id,
                rems_certified_on=clinic.rems_certified_on,
            )
        if not riverside.dea_number:
            riverside.dea_number = "FR1234563"
            riverside.dea_schedules = "2,2N,3,3N,4,5"
            riverside.dea_expires_on = today + dt.timedelta(days=400)
            riverside.save()
        harbor, _ = Location.objects.get_or_create(
            name="Harbor Point",
            defaults={
                "address": "18 Harbor Point Boulevard, Boston, MA 02125",
                "phone": "+1 617 555 0200",
                "time_zone": clinic.time_zone,
                "nurse_capacity": 2,
                "dea_number": "FH7654329",
                "dea_schedules": "3,3N,4,5",
                "dea_expires_on": today + dt.timedelta(days=45),
                "rems_certification_id": "RMS-5580213",
                "rems_certified_on": dt.date(2026, 2, 2),
            },
        )
        return riverside, harbor

    def _assign_locations(self, staff: dict[str, User]) -> None:
        """nurse2 and the coordinator work at both locations (the coordinator's calendar
        and booking pages then offer the location picker, where the two locations' hours
        differ), everyone else at Riverside; every demo patient's home is Riverside (the
        live day is there), but for Harbor Point's three (its own clinic day)."""
        riverside = Location.objects.order_by("pk").first()
        harbor = Location.objects.get(name="Harbor Point")
        for username, user in staff.items():
            user.locations.add(riverside)
            if username in BOTH_LOCATIONS:
                user.locations.add(harbor)
        for patient in Patient.objects.filter(home_location__isnull=True):
            named = (patient.legal_first_name, patient.legal_last_name)
            patient.home_location = harbor if named in HARBOR_PATIENTS else riverside
            patient.save(update_fields=["home_location", "updated_at"])

    def _staff(
        self, username: str, title: str, credentials: str, first: str, last: str, roles: list[str]
    ) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts.staff_create(
                username=username,
                password=STAFF_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@riverside-clinic.example",
                roles=roles,
                display_title=title,
                credentials=credentials,
            )
        return user

    def _patient(self, index: int, row: tuple[Any, ...], staff: dict[str, User]) -> bool:
        first, last, preferred, born, sex, state, days, psych, therapist, channel = row
        born_on = dt.date.fromisoformat(born)
        if Patient.objects.filter(
            legal_first_name=first, legal_last_name=last, date_of_birth=born_on
        ).exists():
            return False
        city, region, postal = CITIES[index % len(CITIES)]
        handle = f"{first}.{last}".lower().replace("'", "")
        since = clock.now() - dt.timedelta(days=days, hours=index % 7)
        reason = ""
        if state == JourneyState.PAUSED:
            reason = "Patient travelling for work for 6 weeks; resume on return."
        elif state == JourneyState.DISCHARGED:
            reason = "Completed induction and maintenance; sustained remission."
        patient = patients.patient_create(
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=born_on,
            preferred_name=preferred,
            sex_at_birth=SexAtBirth(sex),
            email=f"{handle}@example.com",
            phone=f"+1617555{1000 + index * 37:04d}",
            address_line1=f"{12 + index * 7} {STREETS[index % 5]} Street",
            city=city,
            region=region,
            postal_code=postal,
            emergency_contact_name=f"{CONTACT_NAMES[index % 5]} {last}",
            emergency_contact_phone=f"+1617555{2000 + index * 41:04d}",
            emergency_contact_relationship=RELATIONSHIPS[index % 5],
            reminder_channel=ReminderChannel(channel),
            journey_state=state,
            journey_state_since=since,
            journey_reason=reason,
            psychiatrist=staff.get(psych),
            therapist=staff.get(therapist),
            # A patient past induction came to the clinic before the series (sessions.demo
            # books it 2-6 weeks before `since`, after the eligibility decision).
            created_at=since
            - (dt.timedelta(weeks=7) if state in PAST_INDUCTION else dt.timedelta(days=3)),
        )
        username = PATIENT_LOGINS.get((first, last))
        if username:
            accounts.patient_login_create(
                patient=patient, username=username, password=PATIENT_PASSWORD
            )
        return True
