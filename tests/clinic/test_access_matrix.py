"""Every URL pattern declares who may use it, and each persona gets exactly that.

A new view fails here until it declares a rule (clinic.access) and is listed in
ROLE_MATRIX with the personas that may open it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.access import rule_of, url_views
from clinic.models import User
from tests.factories import (
    AppointmentFactory,
    ChairFactory,
    DestructionFactory,
    DiscrepancyFactory,
    DocumentFactory,
    ExportFileFactory,
    ExportJobFactory,
    InvitationFactory,
    LocationFactory,
    ReportFileFactory,
    StockCountFactory,
    TheftLossCaseFactory,
    TreatmentPlanFactory,
    TreatmentSessionFactory,
    UrgentAlertFactory,
)

STAFF = {"coordinator", "nurse", "psychiatrist", "therapist", "admin"}
PATIENTS = {"patient_a", "patient_b"}
EVERYONE = STAFF | PATIENTS
PUBLIC = "public"

# url name -> personas allowed (signed in), or PUBLIC for pages anyone may open.
ROLE_MATRIX: dict[str, set[str] | str] = {
    "home": EVERYONE,
    "healthz": PUBLIC,
    "login": PUBLIC,
    "logout": EVERYONE,
    "mfa_verify": EVERYONE,
    "mfa_setup": EVERYONE,
    "mfa_link_request": EVERYONE,
    # A set-up link opens only for the account it was sent to (tests/clinic/test_second_factor.py);
    # for the sample token here every persona gets 404.
    "mfa_enroll_link": frozenset(),
    "mfa_replace": EVERYONE,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "favicon": PUBLIC,
    "location_pick": STAFF,  # POST only
    "patient_list": {"coordinator", "nurse", "psychiatrist", "therapist"},
    # patient_a is on the therapist's caseload; every URL below takes patient_a.
    "patient_detail": {"coordinator", "nurse", "psychiatrist", "therapist"},
    "patient_edit": {"coordinator"},
    "patient_care_team": {"coordinator", "psychiatrist"},
    "audit_log": {"admin"},
    "admin:index": {"admin"},
    "invitation_list": {"coordinator"},
    "invitation_create": {"coordinator"},
    "invitation_resend": {"coordinator"},  # POST only: a GET reaches it and gets 405
    "invitation_accept": PUBLIC,
    "intake_home": PATIENTS,
    "intake_step": PATIENTS,
    "intake_review": PATIENTS,
    "urgent_alert": {"psychiatrist"},  # an alert about patient_a
    "review_queue": {"psychiatrist", "nurse"},
    "staff_intake_step": {"psychiatrist", "nurse"},
    "plan": {"psychiatrist", "nurse"},
    "book_series": {"coordinator"},
    "patient_sessions": {"coordinator", "nurse", "psychiatrist", "therapist"},
    "appointment_reschedule": {"coordinator"},
    "appointment_cancel": {"coordinator", "psychiatrist"},
    "appointment_no_show": {"coordinator", "nurse"},  # POST only
    "calendar_day": {"coordinator", "nurse", "psychiatrist", "therapist"},
    "boosters_due": {"coordinator", "psychiatrist"},
    "eligibility_cancellations": {"coordinator", "psychiatrist"},
    "booster_book": {"coordinator"},
    "benefit_review": {"psychiatrist"},  # POST only
    "booster_order": {"psychiatrist"},
    "booster_request": PATIENTS,
    "my_health_check": PATIENTS,
    "my_sessions": PATIENTS,
    "my_sessions_ics": PATIENTS,
    "calendar_subscribe": {"coordinator", "nurse", "psychiatrist", "therapist"},
    "calendar_feed": PUBLIC,  # the secret token is the credential; unknown tokens are 404
    "calendar_week": {"coordinator", "nurse", "psychiatrist", "therapist"},
    "staff_intake_review": {"psychiatrist", "nurse"},
    "review": {"psychiatrist", "nurse"},
    "appointment_check_in": {"nurse", "psychiatrist"},  # POST only
    # Session records: nurses and psychiatrists write, therapists (caseload) read.
    "session_record": {"nurse", "psychiatrist", "therapist"},
    "session_action": {"nurse", "psychiatrist"},  # POST only
    "session_rems": {"nurse", "psychiatrist"},
    "nurse_board": {"nurse", "psychiatrist"},
    "nurse_board_live": {"nurse", "psychiatrist"},
    "rems_forms_due": {"nurse", "psychiatrist"},
    "cosign_queue": {"psychiatrist"},
    # Integration notes: therapists (caseload) and psychiatrists; never coordinators,
    # nurses or admins. The note below is signed by the therapist about patient_a.
    "caseload": {"therapist"},
    "patient_notes": {"therapist", "psychiatrist"},
    "note_new": {"therapist"},  # POST only
    "note_detail": {"therapist", "psychiatrist"},
    "note_addendum": {"therapist", "psychiatrist"},  # POST only
    "note_discard": {"therapist"},  # POST only
    "group_new": {"therapist"},
    "group_detail": {"therapist"},  # drafts: only the facilitator sees the roster's notes
    "my_practices": PATIENTS,
    "pre_session_measures": PATIENTS,
    "patient_outcomes": {"therapist", "psychiatrist", "nurse"},
    "clinic_outcomes": {"psychiatrist", "admin"},
    "patient_reminders": {"coordinator", "nurse", "psychiatrist"},
    "failed_reminders": {"coordinator", "nurse", "psychiatrist"},
    "reminder_retry": {"coordinator", "nurse", "psychiatrist"},  # POST only
    "patient_documents": {"nurse", "psychiatrist", "therapist"},
    # A course summary of patient_a: psychiatrists and the patient's therapist.
    "document_status": {"psychiatrist", "therapist"},
    "document_download": {"psychiatrist", "therapist"},
    "document_retry": {"nurse", "psychiatrist", "therapist"},  # POST only
    "my_documents": PATIENTS,
    "my_reminder_preferences": PATIENTS,
    # The controlled-substance record. Counts, inventories and destructions belong to the
    # controlled-substance manager alone, a role no persona here holds (its own test:
    # tests/controlled/test_counts.py::test_only_the_manager_opens_the_count_pages).
    "controlled_counts": frozenset(),
    "count_new": frozenset(),
    "count_result": frozenset(),
    "destruction_new": frozenset(),
    "destruction_download": {"psychiatrist"},
    "discrepancy_list": {"psychiatrist"},
    "discrepancy_decide": {"psychiatrist"},
    "case_list": {"psychiatrist"},
    "case_new": {"psychiatrist"},
    "case_detail": {"psychiatrist"},
    "controlled_reports": {"psychiatrist"},
    "report_download": {"psychiatrist"},  # without a query: back to the reports page
    "report_request": {"psychiatrist"},  # POST only
    "report_files": {"psychiatrist"},  # the list polled while a long report is prepared
    "report_file_download": {"psychiatrist"},  # their own ready file of their location
    "inventory_download": {"psychiatrist"},
    # The controlled-substance record: nurses and psychiatrists read it; only a
    # controlled-substance manager (no persona here) records a receipt.
    "controlled_stock": {"nurse", "psychiatrist"},
    "controlled_lot": {"nurse", "psychiatrist"},
    "controlled_receipt_new": frozenset(),
    # The FHIR API (tests/fhir/): the same roles and scope as the pages; not signed in is
    # a 401 OperationOutcome rather than the sign-in page.
    "fhir:metadata": PUBLIC,
    # API clients (tests/fhir/test_clients.py): the token endpoint is POST only (a GET is
    # a 405) and the SMART configuration names it; neither carries patient data.
    "fhir:token": PUBLIC,
    "fhir:smart-configuration": PUBLIC,
    **{
        f"fhir:{resource}-{interaction}": who
        for resource, who in (
            ("Patient", {"coordinator", "nurse", "psychiatrist", "therapist"}),
            ("Observation", {"nurse", "psychiatrist", "therapist"}),
            ("Encounter", {"nurse", "psychiatrist", "therapist"}),
            ("MedicationAdministration", {"nurse", "psychiatrist", "therapist"}),
            ("Appointment", {"coordinator", "nurse", "psychiatrist", "therapist"}),
            ("QuestionnaireResponse", {"nurse", "psychiatrist", "therapist"}),
            ("Questionnaire", STAFF),
            ("AdverseEvent", {"nurse", "psychiatrist", "therapist"}),
            ("Consent", {"nurse", "psychiatrist"}),
            # A session record of patient_a: those who open the session record.
            ("DocumentReference", {"nurse", "psychiatrist", "therapist"}),
            ("Practitioner", STAFF),
            ("Location", STAFF),
            ("Organization", STAFF),
        )
        # post-search: `POST [type]/_search` (a GET there is a 405 for those allowed).
        for interaction in ("search", "post-search", "read")
    },
    "fhir:Patient-everything": {"coordinator", "nurse", "psychiatrist", "therapist"},
    # The patient's own record as a FHIR file, from the portal (themselves only).
    "my_record_download": PATIENTS,
    # Bulk export (tests/fhir/test_bulk_export.py): every staff role kicks off the types
    # it reads (the admin: the directory only), a patient-level export needs a patient
    # type; a status or file URL answers its requester only (a nurse's here), 404 anyone.
    "fhir:export": STAFF,
    "fhir:Patient-export": {"coordinator", "nurse", "psychiatrist", "therapist"},
    "fhir:export-status": {"nurse"},
    "fhir:export-file": {"nurse"},
    # Any other URL under the API's base: a 404 OperationOutcome for everyone.
    "fhir:not-served": frozenset(),
}
# A kick-off is asynchronous: it needs `Prefer: respond-async` and answers 202.
BULK_KICKOFFS = {"fhir:export", "fhir:Patient-export"}


def headers_for(name: str) -> dict[str, str]:
    return {"Prefer": "respond-async"} if name in BULK_KICKOFFS else {}


def read_through(response) -> None:
    """Read a streamed file to its end: the test client then closes it (a server closes
    it when the response is sent)."""
    if response.streaming:
        b"".join(response.streaming_content)


def test_every_url_pattern_declares_an_access_rule() -> None:
    missing = [entry.name for entry in url_views() if rule_of(entry.view) is None]
    assert missing == [], f"Views without a declared access rule: {missing}"


def test_every_named_project_page_is_in_the_role_matrix() -> None:
    names = {
        entry.name
        for entry in url_views()
        if not entry.name.startswith(("admin:", "clinic-admin/"))
    }
    unlisted = sorted(names - set(ROLE_MATRIX))
    assert unlisted == [], f"Add these pages to ROLE_MATRIX: {unlisted}"


def _appointment_of(personas):
    import datetime as dt

    from sessions.models import Protocol

    plan = TreatmentPlanFactory(
        patient=personas.patient_a,
        version=1,
        route="iv",
        protocol=Protocol.objects.get(code="iv-standard"),
        dose_mode="mg_per_kg",
        dose_mg_per_kg="0.5",
        series_length=6,
        written_by=personas.psychiatrist,
    )
    start = dt.datetime(2030, 1, 7, 15, tzinfo=dt.UTC)
    return AppointmentFactory(
        patient=personas.patient_a,
        plan=plan,
        kind="induction",
        series_number=1,
        chair=ChairFactory(name="Chair M"),
        start=start,
        end=start + dt.timedelta(hours=2),
        booked_by=personas.coordinator,
    )


def _session_of(personas, route: str = "iv"):

    appointment = _appointment_of(personas)
    if route != "iv":
        from sessions.models import Protocol

        plan = TreatmentPlanFactory(
            patient=personas.patient_a,
            version=2,
            route=route,
            protocol=Protocol.objects.get(code="esketamine-induction"),
            dose_mode="fixed_mg",
            dose_mg="56",
            esketamine_devices=2,
            series_length=8,
            written_by=personas.psychiatrist,
        )
        appointment.plan = plan
        appointment.save(update_fields=["plan"])
    return TreatmentSessionFactory(
        appointment=appointment,
        patient=personas.patient_a,
        plan=appointment.plan,
        route=route,
        opened_by=personas.nurse,
    )


def _signed_note_of(personas):
    from django.utils import timezone

    from integration import services

    note = services.note_start(
        patient=personas.patient_a, note_type="integration", actor=personas.therapist
    )
    services.note_save_draft(
        note=note,
        data=services.NoteInput(
            date=timezone.localdate(),
            modality="in_person",
            minutes=50,
            risk_suicidal_thoughts=False,
            texts={"themes": "Matrix note"},
        ),
        actor=personas.therapist,
    )
    return services.note_sign(note=note, actor=personas.therapist)


def _controlled(name: str, make) -> object:
    return lambda: reverse(name, args=make())


CONTROLLED_URLS = {
    "count_new": _controlled("count_new", lambda: [LocationFactory().pk, "count"]),
    "count_result": _controlled("count_result", lambda: [StockCountFactory().pk]),
    "destruction_new": _controlled("destruction_new", lambda: [LocationFactory().pk]),
    "destruction_download": _controlled("destruction_download", lambda: [DestructionFactory().pk]),
    "discrepancy_decide": _controlled("discrepancy_decide", lambda: [DiscrepancyFactory().pk]),
    "case_detail": _controlled("case_detail", lambda: [TheftLossCaseFactory().pk]),
    "inventory_download": _controlled(
        "inventory_download", lambda: [StockCountFactory(biennial=True).pk]
    ),
    # A report file is its requester's: the psychiatrist persona (dr.raman) asked for it.
    "report_file_download": _controlled(
        "report_file_download",
        lambda: [ReportFileFactory(requested_by=User.objects.get(username="dr.raman")).pk],
    ),
}


def _fhir_read(name: str, personas) -> str:
    from tests.factories import (
        AdverseEventFactory,
        DoseRecordFactory,
        IntakeFactory,
        MeasureResultFactory,
    )

    resource = name.removeprefix("fhir:").removesuffix("-read")
    resource_id = {
        "Patient": lambda: personas.patient_a.pk,
        "Observation": lambda: f"sv-{MeasureResultFactory(patient=personas.patient_a).pk}",
        "Encounter": lambda: _session_of(personas).pk,
        "MedicationAdministration": lambda: (
            DoseRecordFactory(
                session=_session_of(personas), order_text="0.5 mg/kg over 40 minutes"
            ).pk
        ),
        "Appointment": lambda: _appointment_of(personas).pk,
        "QuestionnaireResponse": lambda: MeasureResultFactory(patient=personas.patient_a).pk,
        "Questionnaire": lambda: "phq9",
        "AdverseEvent": lambda: AdverseEventFactory(session=_session_of(personas)).pk,
        "Consent": lambda: IntakeFactory(patient=personas.patient_a).pk,
        "DocumentReference": lambda: (
            DocumentFactory(kind="session_record", patient=personas.patient_a, status="ready").pk
        ),
        "Practitioner": lambda: personas.psychiatrist.pk,
        "Location": lambda: LocationFactory().pk,
        "Organization": lambda: "1",
    }[resource]()
    return reverse(name, args=[resource_id])


def _nurses_export(name: str, personas) -> str:
    """A finished export of the nurse's: its status URL, or its one file's."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    job = ExportJobFactory(
        by_staff=True, user=personas.nurse, request_url="http://testserver/fhir/r4/$export",
        created_at=now, finished_at=now, expires_at=now + dt.timedelta(hours=24),
    )  # fmt: skip
    line = f'{{"resourceType":"Patient","id":"{personas.patient_a.pk}"}}\n'
    exported = ExportFileFactory(
        job=job,
        part=1,
        file__filename=f"fhir-export/{job.public_id}-Patient-1.ndjson",
        file__data=line.encode(),
    )
    if name == "fhir:export-status":
        return reverse(name, args=[job.public_id])
    return reverse(name, args=[job.public_id, exported.name])


def _url(name: str, personas) -> str:
    from django.utils import timezone

    from intake.services import invitation_token

    patient_id = personas.patient_a.pk
    if name in ("invitation_resend", "invitation_accept"):
        invitation = InvitationFactory(
            patient=personas.patient_b,
            email="bruno@patients.example",
            created_by=personas.coordinator,
            expires_at=timezone.now() + timezone.timedelta(days=7),
        )
        if name == "invitation_accept":
            return reverse(name, args=[invitation_token(invitation)])
        return reverse(name, args=[invitation.pk])
    if name == "urgent_alert":
        alert = UrgentAlertFactory(
            patient=personas.patient_a, code="SUICIDAL_IDEATION", reason="test", source="test"
        )
        return reverse(name, args=[alert.pk])
    if name == "intake_step":
        return reverse(name, args=["about-you"])
    if name == "mfa_enroll_link":
        return reverse(name, args=["a-link-sent-to-someone-else"])
    if name == "calendar_feed":
        from sessions.services.scheduling import calendar_feed_create

        return reverse(name, args=[calendar_feed_create(actor=personas.nurse)])
    if name == "controlled_lot":
        from tests.factories.controlled import LedgerEntryFactory

        return reverse(name, args=[LedgerEntryFactory().lot_id])
    if name == "favicon":
        return "/favicon.ico"
    if name == "password_reset_confirm":
        return reverse(name, kwargs={"uidb64": "MQ", "token": "set-password"})
    if name in ("note_detail", "note_addendum", "note_discard"):
        return reverse(name, args=[_signed_note_of(personas).pk])
    if name == "group_detail":
        from integration.services import group_session_create
        from tests.factories import PatientFactory

        group = group_session_create(
            date=timezone.localdate(),
            modality="in_person",
            minutes=90,
            topic="Matrix",
            patients=[personas.patient_a, PatientFactory(therapist=personas.therapist)],
            actor=personas.therapist,
        )
        return reverse(name, args=[group.pk])
    if name in ("document_status", "document_download", "document_retry"):
        from django.core.files.base import ContentFile

        document = DocumentFactory(
            kind="course_summary", patient=personas.patient_a, version=1,
            requested_by=personas.psychiatrist, status="ready",
        )  # fmt: skip
        document.file.save("matrix.pdf", ContentFile(b"%PDF-1.7 test"))
        return reverse(name, args=[document.pk])
    if name in CONTROLLED_URLS:
        return CONTROLLED_URLS[name]()
    if name.startswith("fhir:") and name.endswith("-read"):
        return _fhir_read(name, personas)
    if name == "fhir:Patient-everything":
        return reverse(name, args=[patient_id])
    if name == "fhir:not-served":
        return reverse(name, kwargs={"rest": f"Patient/{patient_id}/_history/1"})
    if name in ("fhir:export-status", "fhir:export-file"):
        return _nurses_export(name, personas)
    if name == "reminder_retry":
        return reverse(name, args=[1])
    if name == "note_new":
        return reverse(name, args=[patient_id])
    if name == "session_record":
        return reverse(name, args=[_session_of(personas).pk])
    if name == "session_action":
        return reverse(name, args=[_session_of(personas).pk, "vitals"])
    if name == "session_rems":
        return reverse(name, args=[_session_of(personas, "intranasal_esketamine").pk])
    if name.startswith("appointment_"):
        return reverse(name, args=[_appointment_of(personas).pk])
    if name in (
        "review",
        "staff_intake_review",
        "plan",
        "book_series",
        "patient_sessions",
        "booster_book",
        "booster_order",
        "benefit_review",
    ):
        return reverse(name, args=[patient_id])
    if name == "staff_intake_step":
        return reverse(name, args=[patient_id, "about-you"])
    if name.startswith("patient_") and name != "patient_list":
        return reverse(name, kwargs={"patient_id": patient_id})
    return reverse(name)


@pytest.mark.parametrize("url_name", sorted(ROLE_MATRIX))
def test_each_persona_gets_exactly_the_pages_of_its_roles(url_name, personas, client) -> None:
    from tests.conftest import sign_in

    url = _url(url_name, personas)
    allowed = ROLE_MATRIX[url_name]
    anonymous = client.get(url)
    if allowed == PUBLIC:
        assert anonymous.status_code in (200, 301, 302, 405), url
        return
    if url_name == "fhir:not-served":
        assert anonymous.status_code == 404
    elif url_name.startswith("fhir:"):
        assert anonymous.status_code == 401
    else:
        assert anonymous.status_code == 302
        assert "/login/" in anonymous["Location"]

    for persona, user in personas.everyone.items():
        client.logout()
        sign_in(client, user)
        response = client.get(url, headers=headers_for(url_name))
        if persona in allowed:
            ok = (202,) if url_name in BULK_KICKOFFS else (200, 302, 405)
            assert response.status_code in ok, (persona, url, response.status_code)
            read_through(response)
            if response.status_code == 302:
                assert "/login/" not in response["Location"], (persona, url)
        else:
            assert response.status_code in (403, 404), (persona, url, response.status_code)
            assert personas.patient_a.legal_last_name not in response.content.decode()
