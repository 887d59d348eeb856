"""Finding a session record: the scoped lookup (`session_for_user`) and the prefetches
that let `state_of` read every part in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from clinic.context import note_subject
from clinic.models import User
from clinic.policy import NotVisible, patients_visible_to
from intake.choices import Route
from intake.models import UrgentAlert
from sessions.models import (
    AdverseEvent,
    DeviceDose,
    GateOverride,
    InfusionPause,
    SessionAddendum,
    TreatmentSession,
    VitalAlert,
    VitalReading,
)
from sessions.models.checkin import CheckInEntry


def with_parts(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    """Everything `state_of` reads, in a fixed number of queries."""
    return _with_record(queryset).prefetch_related(*_part_prefetches())


def with_urgent_flag(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    """`has_urgent_alerts`: the patient has an unacknowledged urgent alert (it holds the
    dose), read on the session's own query."""
    return queryset.annotate(
        has_urgent_alerts=Exists(
            UrgentAlert.objects.filter(patient=OuterRef("patient_id"), acknowledged_at__isnull=True)
        )
    )


# Parts that only one route records: esketamine devices, IV infusion pauses.
_ROUTE_PARTS = {"devices": Route.INTRANASAL_ESKETAMINE, "pauses": Route.IV}
# Parts most records never have. For one record, an EXISTS each on the record's own
# query replaces a round trip each; only the parts present are then read.
_SPARSE_PARTS = {
    "gate_overrides": GateOverride,
    "devices": DeviceDose,
    "pauses": InfusionPause,
    "adverse_events": AdverseEvent,
    "addenda": SessionAddendum,
}


def part_applies(session: TreatmentSession, relation: str) -> bool:
    """False when the session cannot have or is known not to have this part."""
    route = _ROUTE_PARTS.get(relation)
    if route is not None and session.route != route:
        return False
    return getattr(session, f"has_{relation}", True)


def _with_presence(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    return queryset.annotate(
        **{
            f"has_{name}": Exists(model.objects.filter(session=OuterRef("pk")))
            for name, model in _SPARSE_PARTS.items()
        }
    )


def _with_record(queryset: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    return with_urgent_flag(queryset).select_related(
        "appointment__chair__location",  # the treatment gate's DEA check, the REMS setting
        "appointment__nurse",
        "patient__intake",  # the allergies banner
        "plan__protocol",
        "dose__administered_by",
        "dose__waste_witness",
        "supervising_psychiatrist",
        "nurse_signed_by",
        "cosigned_by",
        "discharged_by",
        "ended_without_dose_by",
        "amended_by",
        "rems_submission",
    )


def _part_prefetches(session: TreatmentSession | None = None) -> list[Prefetch]:
    """The record's parts; for one known session, only those its route can have."""
    lookups = [
        Prefetch(
            "checkin_entries",
            queryset=CheckInEntry.objects.select_related("recorded_by").order_by(
                "recorded_at", "pk"
            ),
        ),
        Prefetch(
            "readings",
            queryset=VitalReading.objects.select_related(
                "recorded_by", "entered_in_error_by"
            ).order_by("taken_at", "pk"),
        ),
        Prefetch(
            "alerts",
            queryset=VitalAlert.objects.select_related("acknowledged_by", "reading").order_by(
                "recorded_at", "pk"
            ),
        ),
        Prefetch("gate_overrides", queryset=GateOverride.objects.select_related("recorded_by")),
        Prefetch(
            "devices",
            queryset=DeviceDose.objects.select_related("entered_in_error_by").order_by(
                "number", "pk"
            ),
        ),
        Prefetch("pauses", queryset=InfusionPause.objects.order_by("paused_at", "pk")),
        Prefetch(
            "adverse_events",
            queryset=AdverseEvent.objects.select_related(
                "recorded_by", "entered_in_error_by"
            ).order_by("onset_at", "pk"),
        ),
        Prefetch("addenda", queryset=SessionAddendum.objects.select_related("author")),
    ]
    if session is None:
        return lookups
    return [lookup for lookup in lookups if part_applies(session, lookup.prefetch_through)]


def sessions_visible_to(user: User) -> QuerySet[TreatmentSession]:
    return TreatmentSession.objects.filter(patient__in=patients_visible_to(user))


def session_for_user(user: User, pk: int) -> TreatmentSession:
    """A session record the user may see, with every part prefetched; NotVisible otherwise."""
    session = _with_presence(_with_record(sessions_visible_to(user))).filter(pk=pk).first()
    if session is not None:
        prefetch_related_objects([session], *_part_prefetches(session))
    if session is None:
        patient_id = (
            TreatmentSession.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
        )
        raise NotVisible(
            patient_id=patient_id, object_type="treatment_sessions.session", object_id=pk
        )
    note_subject(patient_id=session.patient_id, object_type=session._meta.label_lower, object_id=pk)
    return session
