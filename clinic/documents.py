"""PDF documents: a registry of kinds (feature apps register theirs), safe rendering with
WeasyPrint, and storage with a checksum.

Safe rendering: every template is a Django template (user text is escaped) and the URL
fetcher serves only the application's own static files — no network, no `file://`, no
path from user text — so a note containing `<img src="file:///etc/passwd">` prints as
text and fetches nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from clinic import policy
from clinic.choices import DocumentStatus
from clinic.models import Document, Patient, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DocumentKind:
    """A kind of document a feature app registers, with who reads it.

    Staff read a kind when they hold its `action` in the policy (the app declares it in
    its permissions.py), and only about patients in their scope. A patient reads only the
    patient versions (`for_patient`) of their own record."""

    code: str
    label: str
    template: str
    context: Callable[[Document], dict[str, Any]]
    record_version: Callable[[Document], str]
    action: str
    # (subject id, label) choices, e.g. the patient's sessions; None: about the patient.
    subjects: Callable[[Patient], list[tuple[int, str]]] | None = None
    for_patient: bool = False
    # Why the document cannot be made for this patient yet (None or "": it can).
    unavailable: Callable[[Patient], str | None] | None = None
    # Whose clock the document's times are on (a session's location's); None: the clinic's.
    zone: Callable[[Document], dt.tzinfo] | None = None

    def why_unavailable(self, patient: Patient) -> str | None:
        return self.unavailable(patient) if self.unavailable else None

    def allowed(self, user: User) -> bool:
        """Whether a staff member may read and generate this kind (any patient)."""
        if user.is_patient_account:
            return False
        return policy.may(user, self.action)

    def readable_by(self, user: User, patient: Patient) -> bool:
        """Whether `user` may read this kind of document about `patient`."""
        if user.is_patient_account:
            return self.for_patient and patient.user_id == user.pk
        return self.allowed(user) and policy.in_scope(user, patient)


DOCUMENT_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> None:
    DOCUMENT_KINDS[kind.code] = kind


class BlockedResource(ValueError):
    """A document tried to load something that is not one of the app's static files."""


# Relative URLs in document templates ("/static/…") resolve against this origin, which
# never reaches the network: the fetcher below answers it from the static files.
DOCUMENT_ORIGIN = "https://documents.clinic.invalid"


def static_resource(url: str) -> tuple[bytes, str]:
    """The bytes and type of one of the app's static files named by `url`; anything else
    (file://, http(s) elsewhere, data from user text, paths escaping the folder) is
    refused with BlockedResource."""
    prefix = DOCUMENT_ORIGIN + settings.STATIC_URL
    if not url.startswith(prefix):
        raise BlockedResource(f"Blocked resource in a document: {url[:80]!r}")
    path = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
    if not path or ".." in path.split("/") or path.startswith("/") or "\\" in path:
        raise BlockedResource(f"Blocked resource in a document: {url[:80]!r}")
    found = finders.find(path)
    if found:
        with open(found, "rb") as source:
            data = source.read()
    elif staticfiles_storage.exists(path):
        with staticfiles_storage.open(path) as source:
            data = source.read()
    else:
        raise BlockedResource(f"No such static file: {path[:80]!r}")
    return data, mimetypes.guess_type(path)[0] or "application/octet-stream"


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            data, mime = static_resource(url)
            return URLFetcherResponse(url, data, {"Content-Type": mime})

    return StaticOnlyFetcher()


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=DOCUMENT_ORIGIN + "/", url_fetcher=_fetcher()).write_pdf()


def generate(document: Document) -> Document:
    """Render one document version and store it (called by the task)."""
    from clinic.selectors import clinic_settings

    kind = DOCUMENT_KINDS[document.kind]
    clinic = clinic_settings()
    with timezone.override(kind.zone(document) if kind.zone else clinic.zone):
        context = {
            "clinic": clinic,
            "patient": document.patient,
            "document": document,
            "kind": kind,
            "paper": "A4" if clinic.paper_size == "A4" else "letter",
            "generated_at": timezone.now(),
            **kind.context(document),
        }
        html = render_to_string(kind.template, context)
    data = render_pdf(html)
    document.checksum = hashlib.sha256(data).hexdigest()
    document.size = len(data)
    document.record_version = kind.record_version(document)[:120]
    about = document.subject_id or "all"
    name = f"{document.kind}-{document.patient.mrn}-{about}-v{document.version}.pdf"
    document.file.save(name, ContentFile(data), save=False)
    document.status = DocumentStatus.READY
    document.generated_at = timezone.now()
    document.error = ""
    document.save(
        update_fields=[
            "checksum",
            "size",
            "record_version",
            "file",
            "status",
            "generated_at",
            "error",
        ]
    )
    return document
