"""Concurrent writers never fork the audit chain (PostgreSQL advisory lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from clinic.audit import audit_record, verify_chain
from clinic.models import AuditEvent
from tests.factories import PatientFactory, StaffFactory


@pytest.mark.django_db(transaction=True)
def test_eight_threads_on_separate_connections_keep_one_unbroken_chain() -> None:
    assert connection.vendor == "postgresql", "CI runs this against PostgreSQL"
    nurse = StaffFactory()
    patient = PatientFactory()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            start.wait()
            for _ in range(15):
                audit_record(action="view", user=nurse, patient=patient)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = AuditEvent.objects.filter(patient=patient).count()
    assert rows == 120
    result = verify_chain(AuditEvent.objects.order_by("id"))
    assert result.ok, result
    previous = list(AuditEvent.objects.values_list("previous_hash", flat=True))
    assert len(previous) == len(set(previous))  # no two rows claim the same predecessor
