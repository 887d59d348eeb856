"""Sign-off entries: the nurse's signature and the psychiatrist's co-signature."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from sessions.forms.records import SignForm
from sessions.models import TreatmentSession
from sessions.services import signoff
from sessions.views.record_entries.posting import Forms, bound


def _attested(forms: Forms, key: str, form: SignForm) -> bool:
    """The signer ticked the box saying what they sign; if not, the box says so. A refusal
    by the service itself (another psychiatrist must co-sign…) shows above the block."""
    if form.is_valid():
        return True
    forms[key] = form
    return False


def _sign(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    if _attested(forms, "sign", bound(SignForm, request, prefix="sign")):
        signoff.session_sign(session=session, actor=request.user)
    return "signoff"


def _cosign(request: HttpRequest, session: TreatmentSession, forms: Forms) -> str:
    if _attested(forms, "cosign", bound(SignForm, request, prefix="cosign", cosign=True)):
        signoff.session_cosign(session=session, actor=request.user)
    return "signoff"


ACTIONS: dict[str, Callable[[HttpRequest, TreatmentSession, Forms], str]] = {
    "sign": _sign,
    "cosign": _cosign,
}
