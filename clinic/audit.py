"""The audit trail: writing rows into the hash chain and verifying it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from clinic.choices import AuditAction
from clinic.context import current
from clinic.models import AuditEvent, Patient, User

GENESIS_HASH = "0" * 64
# Any constant: every writer of the chain takes this PostgreSQL advisory lock so two
# transactions never both append after the same previous row.
_CHAIN_LOCK_KEY = 7_424_201


def _canonical(event: AuditEvent) -> str:
    return json.dumps(
        [
            event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            event.user_id,
            event.username,
            event.role,
            event.patient_id,
            event.object_type,
            event.object_id,
            event.action,
            event.ip_address,
            event.request_id,
            event.path,
            event.previous_hash,
        ],
        separators=(",", ":"),
    )


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode()).hexdigest()


def audit_record(
    *,
    action: str,
    user: User | None = None,
    patient: Patient | None = None,
    patient_id: int | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
) -> AuditEvent:
    """Append one row to the audit chain, inside the caller's transaction if any.

    Where the work came from (IP address, request or task id, path) is read from the
    work context (`clinic.context`), never passed in; `user` defaults to the signed-in
    user of the request being served."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}")
    origin = current()
    if user is None:
        user = origin.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    subject = patient.pk if patient is not None else patient_id
    with transaction.atomic():
        event = _chained([_event(action, user, subject, object_type, object_id)])[0]
        event.save(force_insert=True)
    if action == AuditAction.DENIED:
        origin.refusal_audited = True  # the error page adds no second row
    return event


def audit_record_many(*, action: str, rows: list[tuple[int | None, str, str]]) -> None:
    """Append several rows at once — (patient id, object type, object id) each, by the
    current user — under one hold of the chain lock and in one INSERT, so a page that
    discloses many patients' records writes a row per patient in a fixed number of
    queries."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}")
    if not rows:
        return
    user = current().user
    with transaction.atomic():
        events = _chained([_event(action, user, *row) for row in rows])
        AuditEvent.objects.bulk_create(events)


def _event(
    action: str, user: Any, patient_id: int | None, object_type: str, object_id: object
) -> AuditEvent:
    origin = current()
    return AuditEvent(
        occurred_at=timezone.now(),
        # A principal that is not a login (an API client) is named, not linked.
        user=user if isinstance(user, User) else None,
        username=user.get_username() if user else "",
        role=",".join(sorted(user.role_codes)) if user else "",
        patient_id=patient_id,
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        action=action,
        ip_address=origin.ip_address,
        request_id=origin.request_id,
        path=origin.path[:300],
    )


def _chained(events: list[AuditEvent]) -> list[AuditEvent]:
    """Link the events onto the chain's head, in order (inside the caller's transaction:
    on PostgreSQL the chain lock is held until it commits)."""
    if connection.vendor == "postgresql":
        # The chain lock and the last hash in one call (migration 0005).
        with connection.cursor() as cursor:
            cursor.execute("SELECT clinic_audit_chain_head(%s)", [_CHAIN_LOCK_KEY])
            last = cursor.fetchone()[0]
    else:
        last = AuditEvent.objects.order_by("-id").values_list("row_hash", flat=True).first()
    for event in events:
        event.previous_hash = last or GENESIS_HASH
        event.row_hash = compute_hash(event)
        last = event.row_hash
    return events


# What the audit log names to the admin role: sign-ins, accounts, the admin, scheduling.
# Any other object type is a clinical record (an urgent alert, a note, a review …) and
# shows as "Clinical record": the admin sees who opened which patient's record and
# when, never which kind of clinical fact it was (security.md §1). The core names its
# own administrative types; each feature app declares its own in its AppConfig.ready()
# (`declare_administrative("…")`: an object type, or a prefix ending in ".").
_ADMINISTRATIVE_TYPES = ("session", "login", "admin", "page")
_administrative_prefixes: list[str] = ["otp.", "clinic.", "home."]
CLINICAL_RECORD = "Clinical record"


def declare_administrative(*prefixes: str) -> None:
    """Let the admin role see these object types (prefixes) named in the audit log."""
    _administrative_prefixes.extend(p for p in prefixes if p not in _administrative_prefixes)


def administrative_prefixes() -> tuple[str, ...]:
    return tuple(_administrative_prefixes)


def audit_object_label(object_type: str) -> str:
    if object_type in _ADMINISTRATIVE_TYPES or object_type.startswith(
        tuple(_administrative_prefixes)
    ):
        return object_type
    return CLINICAL_RECORD


@dataclass(frozen=True)
class ChainCheck:
    rows_checked: int
    first_broken_id: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(events: Iterable[AuditEvent]) -> ChainCheck:
    """Check that every row's hash matches its content and links to the row before."""
    previous = GENESIS_HASH
    count = 0
    for event in events:
        count += 1
        if event.previous_hash != previous:
            return ChainCheck(count, event.pk, "does not link to the row before it")
        if compute_hash(event) != event.row_hash:
            return ChainCheck(count, event.pk, "content does not match its hash")
        previous = event.row_hash
    return ChainCheck(count, None, "")
