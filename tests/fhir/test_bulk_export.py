"""Bulk Data Access (fhir.md §2): kick-off, status, manifest and files, for API clients
(bearer tokens, scopes, patient- and location-restricted) and staff (session), within
exactly what each may read; expiry, cancellation and the audit trail."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from clinic.choices import AuditAction
from clinic.models import AuditEvent
from fhir.bulk.models import ExportFile, ExportJob, ExportStatus
from fhir.bulk.services import exports_expire
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.operationoutcome import OperationOutcome
from integration.models import NoteStatus
from sessions.services.corrections import addendum_write, adverse_event_mark_entered_in_error
from sessions.services.infusion import infusion_end, infusion_pause
from sessions.services.no_dose import session_end_without_dose
from sessions.services.signoff import session_sign
from tests.factories import (
    AccessTokenFactory,
    AdverseEventFactory,
    ApiClientFactory,
    ChairFactory,
    DoseRecordFactory,
    IntegrationNoteFactory,
    LocationFactory,
    MeasureResultFactory,
    NoteAddendumFactory,
    PatientFactory,
    TreatmentSessionFactory,
    VitalReadingFactory,
)
from tests.fhir.conftest import add_session

ASYNC = {"Prefer": "respond-async"}
_tokens = iter(range(1_000_000))


class Requester:
    """Speaks to the export URLs as one API client (bearer) or one staff login."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client, self.token = client, token

    def _headers(self, headers: dict[str, str]) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}", **headers}
        return headers

    def get(self, url: str, **headers: str) -> Any:
        if not url.startswith("http"):
            url = f"/fhir/r4/{url}"
        return self.client.get(url, headers=self._headers(headers))

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self._headers({}))

    def kick_off(self, query: str = "", *, level: str = "$export", **headers: str) -> Any:
        return self.get(f"{level}{query}", **{**ASYNC, **headers})

    def export(self, query: str = "", *, level: str = "$export", django_capture=None) -> dict:
        """Kick off, run the task, poll once: the manifest."""
        with django_capture(execute=True):
            started = self.kick_off(query, level=level)
        assert started.status_code == 202, started.content
        done = self.get(started["Content-Location"])
        assert done.status_code == 200, done.content
        assert done["Content-Type"] == "application/json"
        return done.json()

    def lines(self, manifest: dict, resource_type: str) -> list[dict]:
        found = []
        for output in manifest["output"]:
            if output["type"] != resource_type:
                continue
            response = self.get(output["url"])
            assert response.status_code == 200
            assert response["Content-Type"] == "application/fhir+ndjson"
            # Read to the end: the test client then closes the file.
            text = b"".join(response.streaming_content).decode()
            lines = [json.loads(line) for line in text.splitlines()]
            assert len(lines) == output["count"]
            found += lines
        return found


def api_client(scopes: str = "system/*.read", **fields: Any) -> Requester:
    registered = ApiClientFactory(scopes=scopes, **fields)
    raw = f"bulk-token-{next(_tokens)}"
    AccessTokenFactory(client=registered, raw=raw, scopes=scopes)
    return Requester(Client(), raw)


def staff(user: Any) -> Requester:
    from tests.conftest import sign_in

    return Requester(sign_in(Client(), user))


def _diagnostics(response: Any) -> str:
    return OperationOutcome.model_validate_json(response.content).issue[0].diagnostics


def _patient_refs(lines: list[dict]) -> set[str]:
    refs = set()
    for line in lines:
        subject = line.get("subject") or line.get("patient") or {}
        refs.add(subject.get("reference"))
    return refs


@pytest.fixture
def clinic(personas: Any, record: Any) -> Any:
    """patient_a's record (a session, a reading, a dose, a PHQ-9) and patient_b's
    session and reading at another location."""
    other = add_session(personas.patient_b, personas.nurse)
    personas.other_reading = VitalReadingFactory(session=other, recorded_by=personas.nurse)
    personas.record = record
    personas.record_chair = record.session.appointment.chair
    return personas


def test_a_system_export_writes_every_readable_resource_as_valid_ndjson(
    clinic, django_capture_on_commit_callbacks
) -> None:
    reader = api_client()

    manifest = reader.export(django_capture=django_capture_on_commit_callbacks)

    assert manifest["requiresAccessToken"] is True
    assert manifest["error"] == []
    assert manifest["request"].endswith("/fhir/r4/$export")
    types = {output["type"] for output in manifest["output"]}
    assert {"Patient", "Observation", "Encounter", "MedicationAdministration"} <= types
    assert {"Practitioner", "Location", "Organization", "Questionnaire"} <= types
    for output in manifest["output"]:
        for line in reader.lines(manifest, output["type"]):
            parsed = get_fhir_model_class(line["resourceType"]).model_validate(line)
            assert parsed.get_resource_type() == output["type"]
    patients = reader.lines(manifest, "Patient")
    assert {p["id"] for p in patients} == {
        str(clinic.patient_a.pk),
        str(clinic.patient_b.pk),
    }
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.COMPLETED
    assert job.patient_count == 2
    assert job.counts["Patient"] == 2
    assert job.expires_at - job.finished_at == dt.timedelta(hours=24)


def test_files_split_into_parts_and_counts_match(
    clinic, settings, django_capture_on_commit_callbacks
) -> None:
    settings.FHIR_EXPORT_RESOURCES_PER_FILE = 3
    reader = api_client()

    manifest = reader.export(
        "?_type=Observation", django_capture=django_capture_on_commit_callbacks
    )

    outputs = manifest["output"]
    assert {output["type"] for output in outputs} == {"Observation"}
    assert len(outputs) > 1 and all(output["count"] <= 3 for output in outputs)
    lines = reader.lines(manifest, "Observation")
    assert len(lines) == sum(output["count"] for output in outputs)
    assert len({line["id"] for line in lines}) == len(lines)  # no line twice
    assert ExportJob.objects.get().counts == {"Observation": len(lines)}


def test_a_patient_restricted_client_exports_only_its_patient(
    clinic, django_capture_on_commit_callbacks
) -> None:
    reader = api_client(patient=clinic.patient_a)

    manifest = reader.export(
        level="Patient/$export", django_capture=django_capture_on_commit_callbacks
    )

    types = {output["type"] for output in manifest["output"]}
    assert "Practitioner" not in types  # a patient-level export: the compartment only
    assert [p["id"] for p in reader.lines(manifest, "Patient")] == [str(clinic.patient_a.pk)]
    observations = reader.lines(manifest, "Observation")
    assert observations
    assert _patient_refs(observations) == {f"Patient/{clinic.patient_a.pk}"}
    assert _patient_refs(reader.lines(manifest, "Encounter")) == {f"Patient/{clinic.patient_a.pk}"}


def test_a_client_without_a_types_scope_cannot_ask_for_it(clinic) -> None:
    reader = api_client("system/Patient.read")

    asked = reader.kick_off("?_type=Observation")
    unknown = reader.kick_off("?_type=Spaceship")

    assert asked.status_code == 403
    assert "Observation" in _diagnostics(asked)
    assert unknown.status_code == 400
    assert ExportJob.objects.count() == 0


def test_a_client_exports_only_its_scopes_types(clinic, django_capture_on_commit_callbacks) -> None:
    reader = api_client("system/Patient.read system/Location.read")

    manifest = reader.export(django_capture=django_capture_on_commit_callbacks)

    assert {output["type"] for output in manifest["output"]} == {"Patient", "Location"}


def test_since_exports_only_what_changed_after(clinic, django_capture_on_commit_callbacks) -> None:
    cut = timezone.now()
    later = MeasureResultFactory(patient=clinic.patient_a, taken_at=cut + dt.timedelta(minutes=5))
    since = cut.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    reader = api_client()

    manifest = reader.export(
        f"?_type=QuestionnaireResponse,Observation&_since={since}",
        django_capture=django_capture_on_commit_callbacks,
    )

    responses = reader.lines(manifest, "QuestionnaireResponse")
    assert [line["id"] for line in responses] == [str(later.pk)]
    assert [line["id"] for line in reader.lines(manifest, "Observation")] == [f"sv-{later.pk}"]


def _since(cut: dt.datetime) -> str:
    return cut.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ids(lines: list[dict]) -> set[str]:
    return {line["id"] for line in lines}


def test_since_exports_a_dose_whose_infusion_ended_or_paused_after(
    clinic, django_capture_on_commit_callbacks
) -> None:
    """Ending or pausing an infusion writes no `recorded_at`: the dose still goes out."""
    opened = timezone.now() - dt.timedelta(hours=2)
    chair = clinic.record_chair

    def running_infusion() -> Any:
        session = TreatmentSessionFactory(
            patient=clinic.patient_a,
            opened_by=clinic.nurse,
            opened_at=opened,
            appointment__chair=chair,
        )
        return DoseRecordFactory(session=session, recorded_by=clinic.nurse, ended_at=None)

    ended, paused = running_infusion(), running_infusion()
    cut = timezone.now()
    infusion_end(session=ended.session, at=None, actor=clinic.nurse)
    infusion_pause(
        session=paused.session, at=None, reason="Blood pressure rise", actor=clinic.nurse
    )
    reader = api_client()

    manifest = reader.export(
        f"?_type=MedicationAdministration&_since={_since(cut)}",
        django_capture=django_capture_on_commit_callbacks,
    )

    doses = {line["id"]: line for line in reader.lines(manifest, "MedicationAdministration")}
    assert set(doses) == {str(ended.pk), str(paused.pk)}  # the unchanged dose stays out
    assert doses[str(ended.pk)]["effectivePeriod"]["end"]


def _signed_then_corrected(
    clinic: Any, session: Any, *, text: str, corrects: str
) -> tuple[dt.datetime, dt.datetime, Requester]:
    """Sign the ended `session`, then write an addendum correcting one of its rows
    (`corrects`, e.g. `reading:12`): the times just before and just after signing, and
    an API client to export with."""
    before_signing = timezone.now()
    session = session_sign(session=session, actor=clinic.nurse)
    signed_at = timezone.now()
    addendum_write(
        session=session,
        reason="Correction after signing",
        text=text,
        actor=clinic.nurse,
        corrects=corrects,
    )
    return before_signing, signed_at, api_client()


def test_since_exports_readings_when_the_session_is_signed_or_corrected_after(
    clinic, django_capture_on_commit_callbacks
) -> None:
    """Signing turns a reading final; an addendum after signing strikes one through:
    neither touches the reading's own times, and both go out."""
    session = clinic.record.session
    corrected = VitalReadingFactory(session=session, recorded_by=clinic.nurse)
    session.discharged_at = timezone.now()
    session.save(update_fields=["discharged_at"])
    cut, signed_at, reader = _signed_then_corrected(
        clinic,
        session,
        text="Those vitals were another patient's.",
        corrects=f"reading:{corrected.pk}",
    )

    after_cut = reader.export(
        f"?_type=Observation&_since={_since(cut)}",
        django_capture=django_capture_on_commit_callbacks,
    )
    after_signing = reader.export(
        f"?_type=Observation&_since={_since(signed_at)}",
        django_capture=django_capture_on_commit_callbacks,
    )

    statuses = {line["id"]: line["status"] for line in reader.lines(after_cut, "Observation")}
    reading, weight = clinic.record.reading.pk, clinic.record.dose.pk
    assert statuses[f"vs-{reading}-bp"] == "final"
    assert statuses[f"wt-{weight}"] == "final"
    assert statuses[f"vs-{corrected.pk}-hr"] == "entered-in-error"
    assert not any(f"-{clinic.other_reading.pk}-" in i for i in statuses)  # unchanged session
    later = {line["id"]: line["status"] for line in reader.lines(after_signing, "Observation")}
    assert later[f"vs-{corrected.pk}-hr"] == "entered-in-error"
    assert f"vs-{reading}-bp" in later  # same session: more than asked, never less


def test_since_exports_an_encounter_and_its_events_when_the_session_ends_after(
    clinic, django_capture_on_commit_callbacks
) -> None:
    other = clinic.other_reading.session
    event = AdverseEventFactory(session=other, recorded_by=clinic.nurse)
    cut = timezone.now()
    session_end_without_dose(
        session=other, reason="Patient felt unwell before dosing and went home.", actor=clinic.nurse
    )
    reader = api_client()

    manifest = reader.export(
        f"?_type=Encounter,AdverseEvent&_since={_since(cut)}",
        django_capture=django_capture_on_commit_callbacks,
    )

    encounters = reader.lines(manifest, "Encounter")
    assert [(e["id"], e["status"]) for e in encounters] == [(str(other.pk), "finished")]
    assert _ids(reader.lines(manifest, "AdverseEvent")) == {str(event.pk)}


def _northside_chair() -> Any:
    return ChairFactory(location=LocationFactory(name="Northside", dea_number="AN1234562"))


def test_since_lists_adverse_events_entered_in_error_after_as_deleted(
    clinic, django_capture_on_commit_callbacks
) -> None:
    """A retracted event is 404 to a read: a `_since` export says it is deleted (the
    manifest's `deleted`, Bulk Data IG v2), however it was retracted."""
    here, other = clinic.record.session, clinic.other_reading.session
    earlier = AdverseEventFactory(session=here, recorded_by=clinic.nurse)
    struck = AdverseEventFactory(session=here, recorded_by=clinic.nurse)
    amended = AdverseEventFactory(session=other, recorded_by=clinic.nurse)
    kept = AdverseEventFactory(session=here, recorded_by=clinic.nurse)
    reason = "Recorded on the wrong patient's chart."
    adverse_event_mark_entered_in_error(actor=clinic.nurse, event=earlier, reason=reason)
    other = session_end_without_dose(
        session=other, reason="Patient felt unwell before dosing and went home.", actor=clinic.nurse
    )
    _, cut, reader = _signed_then_corrected(
        clinic,
        other,
        text="The nausea was another patient's.",
        corrects=f"event:{amended.pk}",
    )
    # Retracted after the cut too, like the event the addendum corrects.
    adverse_event_mark_entered_in_error(actor=clinic.nurse, event=struck, reason=reason)

    manifest = reader.export(
        f"?_type=AdverseEvent&_since={_since(cut)}",
        django_capture=django_capture_on_commit_callbacks,
    )
    whole = reader.export("?_type=AdverseEvent", django_capture=django_capture_on_commit_callbacks)

    assert [d["type"] for d in manifest["deleted"]] == ["Bundle"]
    bundles = []
    for deleted in manifest["deleted"]:
        response = reader.get(deleted["url"])
        assert response["Content-Type"] == "application/fhir+ndjson"
        text = b"".join(response.streaming_content).decode()
        bundles += [json.loads(line) for line in text.splitlines()]
        assert deleted["count"] == len(text.splitlines())
    for bundle in bundles:
        get_fhir_model_class("Bundle").model_validate(bundle)
        assert bundle["type"] == "transaction"
        assert [entry["request"]["method"] for entry in bundle["entry"]] == ["DELETE"]
    deleted_urls = {entry["request"]["url"] for b in bundles for entry in b["entry"]}
    assert deleted_urls == {f"AdverseEvent/{struck.pk}", f"AdverseEvent/{amended.pk}"}
    for event in (struck, amended):
        assert reader.get(f"AdverseEvent/{event.pk}").status_code == 404
    assert _ids(reader.lines(whole, "AdverseEvent")) == {str(kept.pk)}
    assert "deleted" not in whole  # without `_since` nothing was exported before


@pytest.fixture
def notes(clinic) -> dict[str, Any]:
    """patient_a's signed notes (about the session at the record's location, about a
    session elsewhere), a draft and a voided draft."""
    elsewhere = TreatmentSessionFactory(
        patient=clinic.patient_a, opened_by=clinic.nurse, appointment__chair=_northside_chair()
    )

    def note(**fields: Any) -> Any:
        return IntegrationNoteFactory(patient=clinic.patient_a, author=clinic.therapist, **fields)

    return {
        "here": note(signed=True, sessions=[clinic.record.session]),
        "elsewhere": note(signed=True, sessions=[elsewhere]),
        "draft": note(),
        "voided": note(
            status=NoteStatus.VOIDED, voided_at=timezone.now(), void_reason="Wrong patient"
        ),
    }


def _note_ids(reader: Requester, manifest: dict) -> set[str]:
    lines = reader.lines(manifest, "DocumentReference")
    return {line["id"] for line in lines if line["id"].startswith("note-")}


def test_the_export_has_the_signed_notes_its_reader_reads(
    clinic, notes, django_capture_on_commit_callbacks
) -> None:
    def exported(reader: Requester) -> set[str]:
        manifest = reader.export(
            "?_type=DocumentReference", django_capture=django_capture_on_commit_callbacks
        )
        return _note_ids(reader, manifest)

    with_notes = exported(api_client(notes=True))
    without_notes = exported(api_client(notes=False))
    at_location = exported(api_client(notes=True, location=clinic.record.location))
    therapist = exported(staff(clinic.therapist))

    signed = {f"note-{notes['here'].pk}", f"note-{notes['elsewhere'].pk}"}
    assert with_notes == signed  # never a draft or a voided draft
    assert without_notes == set()
    assert at_location == {f"note-{notes['here'].pk}"}
    assert therapist == signed


def test_since_exports_a_note_signed_or_amended_after(
    clinic, notes, django_capture_on_commit_callbacks
) -> None:
    cut = timezone.now()
    NoteAddendumFactory(note=notes["here"], text="Her grandfather, not her father.")
    signed_later = IntegrationNoteFactory(
        patient=clinic.patient_a, author=clinic.therapist, signed=True
    )
    reader = api_client(notes=True)

    manifest = reader.export(
        f"?_type=DocumentReference&_since={_since(cut)}",
        django_capture=django_capture_on_commit_callbacks,
    )

    assert _note_ids(reader, manifest) == {f"note-{notes['here'].pk}", f"note-{signed_later.pk}"}
    (amended,) = [
        line
        for line in reader.lines(manifest, "DocumentReference")
        if line["id"] == f"note-{notes['here'].pk}"
    ]
    assert (
        "Her grandfather" in base64.b64decode(amended["content"][0]["attachment"]["data"]).decode()
    )


def test_a_location_client_exports_only_its_location(
    clinic, django_capture_on_commit_callbacks
) -> None:
    _northside_chair()
    reader = api_client(location=clinic.record.location)

    manifest = reader.export("?_type=Location", django_capture=django_capture_on_commit_callbacks)

    assert _ids(reader.lines(manifest, "Location")) == {str(clinic.record.location.pk)}


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ("", {"Prefer": ""}, "respond-async"),
        ("?_outputFormat=text/csv", ASYNC, "_outputFormat"),
        ("?_since=yesterday", ASYNC, "_since"),
        ("?_since=2026-13-45T00:00:00Z", ASYNC, "_since"),
        ("?_since=2026-01-01T00:00:00", ASYNC, "_since"),
        ("?_typeFilter=Patient%3Factive%3Dtrue", ASYNC, "_typeFilter"),
        ("?_type=Patient,Spaceship", ASYNC, "Spaceship"),
    ],
)
def test_bad_kick_offs_are_400_in_words(clinic, query, headers, expected) -> None:
    reader = api_client()

    response = reader.get(f"$export{query}", **headers)

    assert response.status_code == 400
    assert expected in _diagnostics(response)
    assert ExportJob.objects.count() == 0


def test_a_patient_level_export_refuses_a_directory_type(clinic) -> None:
    response = api_client().kick_off("?_type=Practitioner", level="Patient/$export")

    assert response.status_code == 400
    assert "patient-level" in _diagnostics(response)


@pytest.mark.parametrize(
    "output_format", ["application/fhir+ndjson", "application/ndjson", "ndjson"]
)
def test_the_ndjson_output_formats_are_accepted(clinic, output_format) -> None:
    from urllib.parse import quote

    response = api_client().kick_off(f"?_outputFormat={quote(output_format)}&_type=Patient")

    assert response.status_code == 202


def test_while_running_the_status_says_how_far_and_a_second_kick_off_waits(clinic) -> None:
    reader = api_client()

    started = reader.kick_off()  # the task runs once the kick-off commits: not here
    status = reader.get(started["Content-Location"])
    again = reader.kick_off()

    assert status.status_code == 202
    assert status["X-Progress"] == "queued"
    assert int(status["Retry-After"]) > 0
    assert again.status_code == 429
    assert again["Content-Location"] == started["Content-Location"]
    ExportJob.objects.update(status=ExportStatus.RUNNING, progress="Observation 40%")
    assert reader.get(started["Content-Location"])["X-Progress"] == "Observation 40%"


def test_another_requester_gets_404_for_the_status_and_files(
    clinic, django_capture_on_commit_callbacks
) -> None:
    owner = api_client()
    manifest_url = None
    with django_capture_on_commit_callbacks(execute=True):
        manifest_url = owner.kick_off("?_type=Patient")["Content-Location"]
    file_url = owner.get(manifest_url).json()["output"][0]["url"]

    for stranger in (api_client(), staff(clinic.nurse)):
        assert stranger.get(manifest_url).status_code == 404
        assert stranger.get(file_url).status_code == 404
        assert stranger.delete(manifest_url).status_code == 404
    assert Requester(Client()).get(file_url).status_code == 401
    downloaded = owner.get(file_url)
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content).count(b"\n") == 2


def test_delete_cancels_the_export_and_removes_its_files(
    clinic, django_capture_on_commit_callbacks
) -> None:
    reader = api_client()
    with django_capture_on_commit_callbacks(execute=True):
        status_url = reader.kick_off()["Content-Location"]
    names = [exported.file.name for exported in ExportFile.objects.all()]
    assert names and all(default_storage.exists(name) for name in names)

    deleted = reader.delete(status_url)

    assert deleted.status_code == 202
    assert reader.get(status_url).status_code == 404
    assert not any(default_storage.exists(name) for name in names)
    assert reader.kick_off().status_code == 202  # free to start another


def test_a_cancelled_running_export_stops(clinic, monkeypatch) -> None:
    from fhir.bulk import services, writer

    reader = api_client()
    status_url = reader.kick_off()["Content-Location"]
    job = ExportJob.objects.get()
    real = writer.write_type

    def cancel_midway(*args: Any) -> None:
        real(*args)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.CANCELLED)

    monkeypatch.setattr(services, "write_type", cancel_midway)
    services.export_run(job.pk)

    assert ExportFile.objects.count() == 0
    assert ExportJob.objects.get().status == ExportStatus.CANCELLED
    assert reader.get(status_url).status_code == 404


def test_an_expired_export_is_410_and_the_beat_task_deletes_its_files(
    clinic, django_capture_on_commit_callbacks
) -> None:
    reader = api_client()
    manifest = reader.export("?_type=Patient", django_capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    status_url = f"$export-status/{job.public_id}"
    name = ExportFile.objects.get().file.name
    ExportJob.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert reader.get(status_url).status_code == 410
    assert reader.get(manifest["output"][0]["url"]).status_code == 410
    assert exports_expire() == 1
    assert not default_storage.exists(name)
    assert ExportJob.objects.get().status == ExportStatus.EXPIRED
    assert reader.get(status_url).status_code == 410


def test_an_export_whose_worker_was_lost_fails_so_another_can_start(clinic) -> None:
    reader = api_client()
    status_url = reader.kick_off()["Content-Location"]
    ExportJob.objects.update(
        status=ExportStatus.RUNNING, created_at=timezone.now() - dt.timedelta(hours=5)
    )

    exports_expire()

    assert reader.get(status_url).status_code == 500
    assert "worker was lost" in _diagnostics(reader.get(status_url))
    assert reader.kick_off().status_code == 202


def test_staff_export_what_their_role_reads(clinic, django_capture_on_commit_callbacks) -> None:
    coordinator = staff(clinic.coordinator).export(
        django_capture=django_capture_on_commit_callbacks
    )
    admin = staff(clinic.admin).export(django_capture=django_capture_on_commit_callbacks)

    coordinator_types = {output["type"] for output in coordinator["output"]}
    assert "Patient" in coordinator_types
    assert not coordinator_types & {"Observation", "Encounter", "MedicationAdministration"}
    assert {output["type"] for output in admin["output"]} <= {
        "Practitioner", "Location", "Organization", "Questionnaire",
    }  # fmt: skip
    assert staff(clinic.admin).kick_off(level="Patient/$export").status_code == 403
    assert staff(clinic.coordinator).kick_off("?_type=Observation").status_code == 403


def test_a_therapist_exports_only_their_caseload(
    clinic, django_capture_on_commit_callbacks
) -> None:
    PatientFactory()  # nobody's patient
    therapist = staff(clinic.therapist)

    manifest = therapist.export(
        level="Patient/$export", django_capture=django_capture_on_commit_callbacks
    )

    assert [p["id"] for p in therapist.lines(manifest, "Patient")] == [str(clinic.patient_a.pk)]
    assert _patient_refs(therapist.lines(manifest, "Observation")) == {
        f"Patient/{clinic.patient_a.pk}"
    }


def test_a_patient_login_may_not_export(clinic) -> None:
    response = staff(clinic.patient_a.user).kick_off()

    assert response.status_code == 403
    assert ExportJob.objects.count() == 0


def test_a_sessions_delete_needs_its_csrf_token(clinic, settings) -> None:
    from tests.conftest import sign_in

    browser = sign_in(Client(enforce_csrf_checks=True), clinic.nurse)
    status_url = browser.get("/fhir/r4/$export?_type=Patient", headers=ASYNC)["Content-Location"]

    refused = browser.delete(status_url)
    assert refused.status_code == 403
    assert "CSRF" in _diagnostics(refused)
    assert ExportJob.objects.get().status == ExportStatus.QUEUED
    token = "a" * 32  # the page's token, matching the cookie a page of the clinic set
    browser.cookies[settings.CSRF_COOKIE_NAME] = token
    assert browser.delete(status_url, headers={"X-CSRFToken": token}).status_code == 202
    assert ExportJob.objects.get().status == ExportStatus.CANCELLED


def test_the_status_url_answers_get_and_delete_only(clinic) -> None:
    reader = api_client()
    status_url = reader.kick_off("?_type=Patient")["Content-Location"]

    posted = reader.client.post(status_url, headers={"Authorization": f"Bearer {reader.token}"})

    assert posted.status_code == 405
    assert posted["Allow"] == "GET, DELETE"
    assert "GET or DELETE" in _diagnostics(posted)


def _rows_during(call: Any) -> tuple[Any, list[AuditEvent]]:
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = call()
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the client closes the file
    return response, list(AuditEvent.objects.filter(id__gt=last).order_by("id"))


def _row(row: AuditEvent) -> tuple[str, int | None, str, str]:
    return (row.action, row.patient_id, row.object_type, row.object_id)


def test_each_status_or_file_request_writes_one_row_or_none(
    clinic, django_capture_on_commit_callbacks
) -> None:
    owner = api_client()
    manifest = owner.export("?_type=Patient", django_capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    status_url = f"$export-status/{job.public_id}"
    file_url = manifest["output"][0]["url"]
    stranger = staff(clinic.nurse)

    polled, polled_rows = _rows_during(lambda: owner.get(status_url))
    served, served_rows = _rows_during(lambda: owner.get(file_url))
    peeked, peeked_rows = _rows_during(lambda: stranger.get(status_url))
    stolen, stolen_rows = _rows_during(lambda: stranger.get(file_url))
    missing, missing_rows = _rows_during(
        lambda: owner.get(f"$export-file/{job.public_id}/Patient-9.ndjson")
    )
    odd, odd_rows = _rows_during(lambda: owner.get(f"$export-file/{job.public_id}/Patient-1.csv"))
    garbled, garbled_rows = _rows_during(lambda: owner.get(f"$export-file/{job.public_id}/a%00b"))

    assert polled.status_code == 200 and polled_rows == []  # the manifest shows no record
    assert served.status_code == 200
    assert [_row(row) for row in served_rows] == [
        ("download", None, "fhir.export.file", f"{job.public_id}/Patient-1.ndjson")
    ]
    assert served_rows[0].username.startswith("api-client:")
    for refused, rows, expected in (
        (peeked, peeked_rows, ("fhir.export", str(job.public_id))),
        (stolen, stolen_rows, ("fhir.export", str(job.public_id))),
        (missing, missing_rows, ("fhir.export.file", f"{job.public_id}/Patient-9.ndjson")),
        (odd, odd_rows, ("fhir.export.file", f"{job.public_id}/(not a file name)")),
    ):
        assert refused.status_code == 404
        assert "was not found" in _diagnostics(refused)
        assert [_row(row) for row in rows] == [("denied", None, *expected)]
    assert garbled.status_code == 404  # a NUL byte: answered before any lookup or row
    assert garbled_rows == []


def test_a_file_of_a_type_the_reader_may_no_longer_read_is_refused(
    clinic, django_capture_on_commit_callbacks
) -> None:
    from fhir.models import ApiClient

    reader = api_client("system/Patient.read system/Observation.read")
    manifest = reader.export(
        "?_type=Patient,Observation", django_capture=django_capture_on_commit_callbacks
    )
    urls = {output["type"]: output["url"] for output in manifest["output"]}
    ApiClient.objects.update(scopes="system/Patient.read")

    refused, refused_rows = _rows_during(lambda: reader.get(urls["Observation"]))
    served, served_rows = _rows_during(lambda: reader.get(urls["Patient"]))

    assert refused.status_code == 403
    assert _diagnostics(refused) == "You may no longer read Observation resources."
    assert [_row(row) for row in refused_rows] == [("denied", None, "page", "fhir:export-file")]
    assert served.status_code == 200
    assert [row.action for row in served_rows] == ["download"]


def test_a_refused_kick_off_writes_one_denied_row(clinic) -> None:
    coordinator = staff(clinic.coordinator)

    refused, rows = _rows_during(lambda: coordinator.kick_off("?_type=Observation"))

    assert refused.status_code == 403
    assert _diagnostics(refused) == "'_type': you may not read Observation resources."
    assert [_row(row) for row in rows] == [("denied", None, "page", "fhir:export")]


@pytest.mark.django_db(transaction=True)
def test_two_kick_offs_at_the_same_instant_start_one_export(monkeypatch) -> None:
    """One nurse's two kick-offs at once, on two connections, each past the "is one
    running?" check before either inserts its job: the database's one-active-export rule
    lets one start (202) and answers the other 429 with the winner's status URL — never
    a 500, never two jobs."""
    from functools import partial

    from django.db import connection

    from clinic.choices import Role
    from tests.concurrency import run_together
    from tests.factories import StaffFactory

    assert connection.vendor == "postgresql", "CI proves the race on PostgreSQL"
    nurse = StaffFactory(roles=[Role.NURSE])
    browsers = [staff(nurse), staff(nurse)]
    both_checked = threading.Barrier(2, timeout=20)
    create = ExportJob.objects.create

    def create_together(**fields: Any) -> ExportJob:
        both_checked.wait()  # neither inserts until both found no export running
        return create(**fields)

    monkeypatch.setattr(ExportJob.objects, "create", create_together)
    answers: list[Any] = []

    def kick_off(browser: Requester) -> None:
        answers.append(browser.kick_off("?_type=Patient"))

    outcomes = run_together(*(partial(kick_off, browser) for browser in browsers))

    assert outcomes == ["done", "done"]
    assert sorted(answer.status_code for answer in answers) == [202, 429]
    started, busy = sorted(answers, key=lambda answer: answer.status_code)
    assert busy["Content-Location"] == started["Content-Location"]
    assert int(busy["Retry-After"]) > 0
    assert "export running" in _diagnostics(busy)
    job = ExportJob.objects.get()
    assert started["Content-Location"].endswith(f"/$export-status/{job.public_id}")
    assert (
        AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id__contains="started").count()
        == 1
    )


def _check_before_the_other_kick_off(monkeypatch, then: Any = None) -> list[int]:
    """This kick-off's "is one running?" check sees none (it ran before the other
    kick-off inserted its job); its insert then meets the other job. `then` runs just
    before the lookup that follows the refused insert. Returns the calls made, so a test
    can show the refused-insert path was the one taken."""
    from fhir.bulk import services

    real = services.requester_filter
    calls: list[int] = []

    def requester_filter(reader: Any) -> dict[str, Any]:
        call = len(calls)
        calls.append(call)
        if call == 0:  # the check
            return {**real(reader), "pk__in": []}
        if call == 2 and then is not None:  # the lookup after the IntegrityError
            then()
        return real(reader)

    monkeypatch.setattr(services, "requester_filter", requester_filter)
    return calls


def test_a_kick_off_losing_the_race_points_to_the_active_export_not_the_newest(
    db: None, monkeypatch
) -> None:
    """The refused kick-off answers with the job the one-active-export rule protects,
    even when the requester has a newer job that is not active."""
    from clinic.choices import Role
    from tests.factories import StaffFactory
    from tests.factories.fhir import ExportJobFactory

    nurse = StaffFactory(roles=[Role.NURSE])
    active = ExportJobFactory(
        by_staff=True, user=nurse, status=ExportStatus.RUNNING, finished_at=None, expires_at=None
    )
    newer = ExportJobFactory(by_staff=True, user=nurse, status=ExportStatus.FAILED)
    assert newer.pk > active.pk
    calls = _check_before_the_other_kick_off(monkeypatch)

    busy = staff(nurse).kick_off("?_type=Patient")

    assert len(calls) >= 3  # the check, the refused insert's lookups: the race path
    assert busy.status_code == 429
    assert busy["Content-Location"].endswith(f"/$export-status/{active.public_id}")
    assert ExportJob.objects.count() == 2  # the refused insert left nothing


def test_a_kick_off_losing_the_race_to_an_export_already_finished_points_to_the_newest(
    db: None, monkeypatch
) -> None:
    """A worker finished the winner before the refused kick-off answers: no job is
    active, so the answer is the requester's newest (never a 500)."""
    from clinic.choices import Role
    from tests.factories import StaffFactory
    from tests.factories.fhir import ExportJobFactory

    nurse = StaffFactory(roles=[Role.NURSE])
    ExportJobFactory(by_staff=True, user=nurse, status=ExportStatus.COMPLETED)
    winner = ExportJobFactory(
        by_staff=True, user=nurse, status=ExportStatus.QUEUED, finished_at=None, expires_at=None
    )

    def worker_finishes() -> None:
        ExportJob.objects.filter(pk=winner.pk).update(status=ExportStatus.COMPLETED)

    calls = _check_before_the_other_kick_off(monkeypatch, then=worker_finishes)

    busy = staff(nurse).kick_off("?_type=Patient")

    assert len(calls) >= 3  # the lookup after the refused insert ran

    assert busy.status_code == 429
    assert busy["Content-Location"].endswith(f"/$export-status/{winner.public_id}")
    assert not ExportJob.objects.filter(status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING))


def test_the_export_is_audited_who_what_how_many(
    clinic, django_capture_on_commit_callbacks
) -> None:
    reader = api_client()
    name = f"api-client:{ExportJob._meta.get_field('client').related_model.objects.get().name}"

    manifest = reader.export(
        "?_type=Patient,Observation", django_capture=django_capture_on_commit_callbacks
    )
    reader.lines(manifest, "Patient")

    rows = AuditEvent.objects.filter(username=name)
    exports = rows.filter(action=AuditAction.EXPORT, patient_id__isnull=True)
    job = ExportJob.objects.get()
    assert [row.object_id for row in exports.order_by("pk")] == [
        f"{job.pk} system started: Patient Observation",
        f"{job.pk} done: 14 resources, 2 patients",
    ]
    per_patient = rows.filter(action=AuditAction.EXPORT, patient_id__isnull=False)
    assert sorted(per_patient.values_list("patient_id", "object_id")) == sorted(
        [(clinic.patient_a.pk, str(job.pk)), (clinic.patient_b.pk, str(job.pk))]
    )
    downloads = rows.filter(action=AuditAction.DOWNLOAD, object_type="fhir.export.file")
    assert downloads.count() == 1


def test_a_client_revoked_before_its_export_runs_gets_an_error(
    clinic, django_capture_on_commit_callbacks
) -> None:
    from fhir.bulk.services import export_run
    from fhir.models import ApiClient

    reader = api_client()
    status_url = reader.kick_off()["Content-Location"]
    ApiClient.objects.update(revoked_at=timezone.now())
    export_run(ExportJob.objects.get().pk)

    assert ExportJob.objects.get().status == ExportStatus.FAILED
    assert reader.get(status_url).status_code == 401  # its token no longer works


def test_a_type_withdrawn_before_the_export_runs_is_not_exported(clinic) -> None:
    from fhir.bulk.services import export_run
    from fhir.models import ApiClient

    reader = api_client("system/Patient.read system/Observation.read")
    status_url = reader.kick_off()["Content-Location"]
    ApiClient.objects.update(scopes="system/Patient.read")
    export_run(ExportJob.objects.get().pk)

    assert ExportFile.objects.count() == 0
    polled = reader.get(status_url)
    assert polled.status_code == 500
    assert "no longer read Observation" in _diagnostics(polled)


def test_the_tasks_are_registered_and_expiry_runs_hourly(db: None) -> None:
    from clinic.celery import app
    from clinic.schedules import PERIODIC_TASKS

    assert {"fhir.run_export", "fhir.expire_exports"} <= set(app.tasks)
    assert any(p.task == "fhir.expire_exports" for p in PERIODIC_TASKS)


def test_the_capability_statement_lists_the_export_operations(db: None) -> None:
    statement = Client().get("/fhir/r4/metadata").json()

    rest = statement["rest"][0]
    assert rest["operation"] == [
        {
            "name": "export",
            "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
        }
    ]
    patient = next(r for r in rest["resource"] if r["type"] == "Patient")
    assert patient["operation"] == [
        {
            "name": "export",
            "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
        },
        {
            "name": "everything",
            "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
        },
    ]
