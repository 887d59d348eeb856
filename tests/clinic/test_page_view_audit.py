"""The page-view audit is written by construction: every page that shows a patient's
record writes exactly one `view` row per GET (a download, one `download` row), pages that
show none write no `view` row, and a refused request writes one `denied` row and nothing
else. No view writes these rows by hand (clinic.access); a page added without deciding
fails here.
"""

from __future__ import annotations

import pytest

from clinic.access import rule_of, views_by_name
from clinic.models import AuditEvent
from tests.clinic.test_access_matrix import PUBLIC, ROLE_MATRIX, _url, read_through

# The bulk export (fhir.bulk): a kick-off writes an `export` row (202: no page), the
# status URL shows no record (the manifest lists files), each file is a `download`.
BULK_EXPORT = {"fhir:export", "fhir:Patient-export", "fhir:export-status", "fhir:export-file"}
# url name -> what one allowed GET writes for the personas who may open it. A page not
# listed shows no patient record: it writes no `view` row.
VIEW = "view"
DOWNLOAD = "download"
STAFF_WITH_PATIENTS = {"coordinator", "nurse", "psychiatrist", "therapist"}
PATIENT_DATA_PAGES: dict[str, str | tuple[str, set[str]]] = {
    # The admin's home shows no patient; everyone else's does.
    "home": (VIEW, STAFF_WITH_PATIENTS | {"patient_a", "patient_b"}),
    "admin:index": VIEW,  # the admin site writes its own `admin` row
    "invitation_list": VIEW,
    "clinic_outcomes": VIEW,
    "nurse_board_live": VIEW,
    "patient_list": VIEW,
    "patient_detail": VIEW,
    "patient_edit": VIEW,
    "patient_care_team": VIEW,
    "intake_home": VIEW,
    "intake_step": VIEW,
    "intake_review": VIEW,
    "urgent_alert": VIEW,
    "review_queue": VIEW,
    "staff_intake_step": VIEW,
    "staff_intake_review": VIEW,
    "review": VIEW,
    "plan": VIEW,
    "book_series": VIEW,
    "patient_sessions": VIEW,
    "appointment_reschedule": VIEW,
    "appointment_cancel": VIEW,
    "calendar_day": VIEW,
    "calendar_week": VIEW,
    "boosters_due": VIEW,
    "eligibility_cancellations": VIEW,
    "booster_book": VIEW,
    "booster_order": VIEW,
    "booster_request": VIEW,
    "my_health_check": VIEW,
    "my_sessions": VIEW,
    "session_record": VIEW,
    "session_rems": VIEW,
    "nurse_board": VIEW,
    "rems_forms_due": VIEW,
    "cosign_queue": VIEW,
    "caseload": VIEW,
    "patient_notes": VIEW,
    "note_detail": VIEW,
    "group_detail": VIEW,
    "my_practices": VIEW,
    "pre_session_measures": VIEW,
    "patient_outcomes": VIEW,
    "patient_reminders": VIEW,
    "failed_reminders": VIEW,
    "patient_documents": VIEW,
    "document_download": DOWNLOAD,
    "my_documents": VIEW,
    "my_reminder_preferences": VIEW,
    # Every ledger page is audited (controlled-substances.md §2), patient data or not.
    "controlled_counts": VIEW,
    "count_new": VIEW,
    "count_result": VIEW,
    "destruction_new": VIEW,
    "discrepancy_list": VIEW,
    "discrepancy_decide": VIEW,
    "case_list": VIEW,
    "case_new": VIEW,
    "case_detail": VIEW,
    "controlled_reports": VIEW,
    "destruction_download": DOWNLOAD,
    "inventory_download": DOWNLOAD,
    "report_file_download": DOWNLOAD,
    # Every ledger view is audited (controlled-substances.md §2).
    "controlled_stock": VIEW,
    "controlled_lot": VIEW,
    # Every read and search of the FHIR API is audited, the directory's too.
    **{
        name: VIEW
        for name, who in ROLE_MATRIX.items()
        if name.startswith("fhir:") and who != PUBLIC and name not in BULK_EXPORT
    },
}
# A document's status, polled every few seconds while it renders, writes no row: the list
# it belongs to wrote one, and the download writes its own.
POLLED = {"document_status", "report_files"}
# The one page that writes its own row: the admin site. (The board and its live part,
# polled every 8 seconds, write one row per viewer every five minutes through the
# decorator: `audit_every`.)
SELF_AUDITED = {"admin:index"}
# Downloads: the decorator writes one `download` row (an `export` row for a report or a
# calendar file) when the file is served, none when refused (tests/controlled/test_reports.py).
DOWNLOADS = {
    "document_download": DOWNLOAD,
    "destruction_download": DOWNLOAD,
    "inventory_download": DOWNLOAD,
    "report_file_download": DOWNLOAD,
    "report_download": "export",
    "my_sessions_ics": "export",
    "my_record_download": DOWNLOAD,
    "fhir:export": "export",
    "fhir:Patient-export": "export",
    "fhir:export-file": DOWNLOAD,
}


def _rows_during(client, url: str) -> tuple[int, list[AuditEvent]]:
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(url)
    read_through(response)
    return response.status_code, list(AuditEvent.objects.filter(id__gt=last).order_by("id"))


def test_the_page_lists_name_only_real_pages() -> None:
    assert set(PATIENT_DATA_PAGES) | POLLED | SELF_AUDITED | set(DOWNLOADS) <= set(ROLE_MATRIX)


@pytest.mark.parametrize(
    "url_name", sorted(name for name, who in ROLE_MATRIX.items() if who != PUBLIC)
)
def test_each_get_writes_one_view_row_for_patient_data_and_one_denied_row_when_refused(
    url_name, personas, client
) -> None:
    from tests.conftest import sign_in

    url = _url(url_name, personas)
    allowed = ROLE_MATRIX[url_name]
    for persona, user in personas.everyone.items():
        client.logout()
        sign_in(client, user)
        status, rows = _rows_during(client, url)
        actions = [row.action for row in rows]
        if url_name == "fhir:not-served":
            # No such URL in the API: nothing is looked up or refused, so no row at all.
            assert (status, actions) == (404, []), (persona, url, status, actions)
            continue
        if persona not in allowed:
            assert status in (403, 404), (persona, url, status)
            assert actions == ["denied"], (persona, url, actions)
            continue
        if status != 200 or url_name in POLLED:
            assert VIEW not in actions, (persona, url, status, actions)
            continue
        expected = PATIENT_DATA_PAGES.get(url_name) or DOWNLOADS.get(url_name)
        if isinstance(expected, tuple):
            expected = expected[0] if persona in expected[1] else None
        reading = [action for action in actions if action in (VIEW, DOWNLOAD, "export")]
        if expected is None:
            assert reading == [], f"{url_name} wrote {reading} for {persona}: list it"
        elif url_name.startswith("fhir:") and url_name.endswith("-search"):
            # The search's own row, then one per patient when the page held several
            # patients' records (each patient's accounting of disclosures shows it).
            assert reading[0] == expected, (persona, url, actions)
            assert rows[actions.index(expected)].user_id == user.pk
            extra = [row for row in rows if row.action == VIEW][1:]
            owners = [row.patient_id for row in extra]
            assert None not in owners and len(set(owners)) == len(owners) != 1, (url, owners)
        else:
            assert reading == [expected], (persona, url, actions)
            assert rows[actions.index(expected)].user_id == user.pk


def test_no_view_writes_its_view_row_by_hand() -> None:
    """The decorator writes the row: a view module that calls audit_record for a `view`
    would write a second one (and a forgotten call would write none)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    by_hand = [
        str(path.relative_to(root))
        for app in ("clinic", "intake", "sessions", "integration", "controlled", "fhir")
        for path in (root / app).rglob("*.py")
        if "views" in path.parts or path.name == "views.py"
        if re.search(r"(?<!_)action=AuditAction\.(VIEW|DOWNLOAD|EXPORT)", path.read_text())
    ]
    # The private calendar feed is public (a token, no sign-in): no decorator audits it,
    # so its export row names the token's owner by hand.
    assert by_hand == ["sessions/views/scheduling/calendars.py"]


def test_no_page_or_download_audits_itself_but_the_admin_site() -> None:
    views = views_by_name()
    for name in set(PATIENT_DATA_PAGES) - SELF_AUDITED | set(DOWNLOADS):
        rule = rule_of(views[name])
        assert rule is not None, name
        assert rule.audit, name
        assert rule.audit_action == DOWNLOADS.get(name, VIEW), name


def test_the_board_and_its_live_part_are_audited_once_per_viewer_every_five_minutes() -> None:
    views = views_by_name()
    board, live = rule_of(views["nurse_board"]), rule_of(views["nurse_board_live"])
    assert board.audit == live.audit == "treatment_sessions.nurse_board"
    assert board.audit_every == live.audit_every == 300
    assert (board.audit_renews, live.audit_renews) == (True, False)


def test_an_intake_page_names_the_step_it_shows_not_the_patient_it_looked_up(
    personas, client
) -> None:
    """The intake views look the patient up like every page (`own_patient`,
    `patient_for_user`) and name the page's subject themselves (`note_subject(..., page=True)`)."""
    from django.urls import reverse

    from tests.conftest import sign_in

    sign_in(client, personas.patient_a.user)
    client.post(reverse("intake_home"), {"start_intake": "1"})
    _, rows = _rows_during(client, reverse("intake_step", args=["about-you"]))
    viewed = [row for row in rows if row.action == VIEW]
    assert [(row.object_type, row.object_id) for row in viewed] == [("intake.step", "about-you")]
    assert viewed[0].patient_id == personas.patient_a.pk
