"""The sign-off form: the nurse's signature or the psychiatrist's co-signature, the
box ticked saying what is signed."""

from __future__ import annotations

from typing import Any

from django import forms


class SignForm(forms.Form):
    """Signing says what is signed: the summary above the box, and the box itself."""

    NURSE = (
        "I have reviewed this session record: it is complete and accurate, and I sign it as "
        "the treating nurse."
    )
    COSIGN = (
        "I have reviewed this session record and co-sign it. It will be locked: later "
        "changes only as addenda."
    )
    attest = forms.BooleanField(
        label=NURSE,
        error_messages={"required": "Tick the box to confirm you reviewed the record."},
    )

    def __init__(self, *args: Any, cosign: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cosign:
            self.fields["attest"].label = self.COSIGN
