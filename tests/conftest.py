"""Named personas shared by every test: one user per staff role and two patients.

patient_a is on the therapist's caseload, patient_b on nobody's; each patient login
must never see the other's record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps
from django.test import Client

from clinic.choices import Role
from clinic.models import ClinicSettings, Patient, User
from tests.factories import PatientFactory, PatientLoginFactory, StaffFactory, TOTPDeviceFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every FHIR resource any test makes is parsed by fhir.resources' R4B model.
    settings.FHIR_CHECK_RESOURCES = True


@pytest.fixture(scope="session", autouse=True)
def no_connection_outlives_the_run(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end any session a test left open on it (a
    thread or live-server connection) and say which: dropping fails otherwise and the
    whole run would count as failed after every test passed."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, left(query, 200) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            left = cursor.fetchall()
            for pid, _query in left:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        connection.close()
    if left:
        report = Path("test-artifacts") / "connections-left-open.txt"
        report.parent.mkdir(exist_ok=True)
        report.write_text("".join(f"{pid}: {query}\n" for pid, query in left))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test (threads on real connections, a browser on the live server)
    ends by emptying every table, the rows the migrations seed included (the default
    protocols, the REMS form versions, the periodic tasks). Put them back once every
    fixture of that test is torn down, so no later test depends on the order."""
    yield
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )
    if not transactional or nextitem is None:  # after the last test the database is gone
        return
    from pytest_django.plugin import blocking_manager_key

    from clinic.schedules import sync_periodic_tasks
    from sessions.protocols import ensure_default_protocols
    from sessions.rems_forms import ensure_rems_form_versions

    with item.config.stash[blocking_manager_key].unblock():
        ensure_default_protocols()
        ensure_rems_form_versions()
        sync_periodic_tasks()


Migration = tuple[str, str]  # (app label, migration name)


@pytest.fixture
def migrate_to() -> Iterator[Callable[[list[Migration]], StateApps]]:
    """Move the test database's schema to `targets` and give the models as they were
    there (`apps.get_model(...)`). Whatever the test did, the database ends on the newest
    migrations. For a migration test: `@pytest.mark.django_db(transaction=True)`."""

    def migrate(targets: list[Migration]) -> StateApps:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(autouse=True)
def outboxes_in_tmp(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Text messages, file-backed email and generated files land in temporary folders,
    never in var/."""
    settings.SMS_FILE_PATH = tmp_path_factory.mktemp("sms")
    settings.EMAIL_FILE_PATH = tmp_path_factory.mktemp("mail")
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Pages render with the production static storage (hashed names), as deployed."""
    from django.conf import settings
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    call_command("collectstatic", interactive=False, verbosity=0)


@dataclass
class Personas:
    coordinator: User
    nurse: User
    psychiatrist: User
    therapist: User
    other_therapist: User
    admin: User
    patient_a: Patient
    patient_b: Patient

    @property
    def staff(self) -> dict[str, User]:
        return {
            "coordinator": self.coordinator,
            "nurse": self.nurse,
            "psychiatrist": self.psychiatrist,
            "therapist": self.therapist,
            "admin": self.admin,
        }

    @property
    def everyone(self) -> dict[str, User]:
        return {
            **self.staff,
            "patient_a": self.patient_a.user,
            "patient_b": self.patient_b.user,
        }


@pytest.fixture
def personas(db: None) -> Personas:
    ClinicSettings.objects.get_or_create(pk=1, defaults={"name": "Test Clinic"})
    psychiatrist = StaffFactory(
        username="dr.raman",
        display_title="Dr.",
        first_name="Priya",
        last_name="Raman",
        roles=[Role.PSYCHIATRIST],
    )
    therapist = StaffFactory(
        username="dana", first_name="Dana", last_name="Whitfield", roles=[Role.THERAPIST]
    )
    patient_a = PatientFactory(
        legal_first_name="Alice",
        legal_last_name="Quillfeather",
        psychiatrist=psychiatrist,
        therapist=therapist,
        user=PatientLoginFactory(username="alice"),
    )
    patient_b = PatientFactory(
        legal_first_name="Bruno",
        legal_last_name="Brandtmoor",
        user=PatientLoginFactory(username="bruno"),
    )
    return Personas(
        coordinator=StaffFactory(username="maria", roles=[Role.COORDINATOR]),
        nurse=StaffFactory(username="james", first_name="James", roles=[Role.NURSE]),
        psychiatrist=psychiatrist,
        therapist=therapist,
        other_therapist=StaffFactory(username="lena", roles=[Role.THERAPIST]),
        admin=StaffFactory(username="sam", roles=[Role.ADMIN]),
        patient_a=patient_a,
        patient_b=patient_b,
    )


def sign_in(client: Client, user: User) -> Client:
    """Sign a user in as the real flow would leave them: staff with a verified second factor."""
    client.force_login(user)
    if not user.is_patient_account:
        device = TOTPDeviceFactory(user=user, name="test")
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def login(db: None):
    """`login(user)` returns a new test client signed in as that user (one per persona)."""

    def _login(user: User) -> Client:
        return sign_in(Client(), user)

    return _login


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts without cached reports (the cache is per process)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def page_queries():
    """`with page_queries() as statements:` — the statements a request ran, counted as the
    server counts them (`X-Query-Count`): without the SAVEPOINT/RELEASE pairs that only
    the test's own transaction adds around each atomic block. The page budget is 15."""
    from contextlib import contextmanager

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    @contextmanager
    def capture():
        statements: list[str] = []
        with CaptureQueriesContext(connection) as captured:
            yield statements
        statements.extend(
            query["sql"]
            for query in captured.captured_queries
            if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        )

    return capture
