"""A signed integration-therapy note as a `DocumentReference`: its metadata and its
signed text as a plain-text attachment (no note has a PDF of its own).

The text is what was signed (`signed_content`, which the note's hash covers), section by
section with the labels of the notes page, then each addendum with who wrote it, when and
why. A draft or voided note never gets here (`fhir.selectors.notes`)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from fhir import codes
from fhir.mapping.common import concept, reference, staff_reference
from fhir.resource import Resource, instant, resource
from integration.models import INTERVENTIONS, IntegrationNote, Modality, NoteType

NOTE_ID_PREFIX = "note-"
_YES_NO = {True: "yes", False: "no", None: "not answered"}
_CHOICES = {
    "note_type": dict(NoteType.choices),
    "modality": dict(Modality.choices),
    "interventions": dict(INTERVENTIONS),
}
_LEFT_OUT = ("patient_id", "session_ids")


def note_text(note: IntegrationNote) -> str:
    """The signed note in plain words, section by section, then its addenda."""
    lines = [f"Integration therapy note {note.pk} (signed {note.signed_at:%Y-%m-%d %H:%M} UTC)"]
    for name, value in json.loads(note.signed_content).items():
        if name in _LEFT_OUT or value in ("", []) or (value is None and name[:5] != "risk_"):
            continue
        label = str(IntegrationNote._meta.get_field(name).verbose_name)
        lines += ["", f"{label[:1].upper()}{label[1:]}:", _shown(name, value)]
    for addendum in note.addenda.all():
        lines += [
            "",
            f"Addendum {addendum.written_at:%Y-%m-%d %H:%M} UTC by "
            f"{addendum.author.get_full_name() or addendum.author.get_username()} "
            f"({addendum.reason}):",
            addendum.text,
        ]
    return "\n".join(lines) + "\n"


def _shown(name: str, value: Any) -> str:
    if isinstance(value, bool) or name.startswith(("risk_", "share_")):
        return _YES_NO.get(value, str(value))
    if isinstance(value, list):
        return ", ".join(_CHOICES.get(name, {}).get(item, str(item)) for item in value)
    return str(_CHOICES.get(name, {}).get(value, value))


def note_resource(note: IntegrationNote) -> Resource:
    text = note_text(note).encode()
    label = f"{note.get_note_type_display()} note"
    return resource(
        "DocumentReference",
        id=f"{NOTE_ID_PREFIX}{note.pk}",
        status="current",
        docStatus="final",
        type=concept(codes.INTEGRATION_NOTE, text=label),
        subject=reference("Patient", note.patient_id),
        date=instant(note.signed_at),
        author=[staff_reference(note.author)],
        content=[
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text).decode(),
                    "size": len(text),
                    # FHIR R4 names SHA-1 for an attachment's hash (a checksum, not a signature).
                    "hash": base64.b64encode(
                        hashlib.sha1(text, usedforsecurity=False).digest()
                    ).decode(),
                    "title": f"{label} of {note.date:%Y-%m-%d}",
                    "creation": instant(note.signed_at),
                }
            }
        ],
    )
