"""People read plain words for the screening flags (issue 15, 4); the code follows in
small print for the psychiatrist."""

from __future__ import annotations

import re
from pathlib import Path

from intake.flag_labels import FLAG_LABELS, flag_label, severity_label


def test_every_flag_code_the_engine_can_raise_has_a_plain_label() -> None:
    source = Path("intake/screening.py").read_text()
    codes = set(re.findall(r'"([A-Z][A-Z0-9_]{3,})"', source))
    assert codes - set(FLAG_LABELS) == set()


def test_labels_read_as_words() -> None:
    assert flag_label("PSYCHOTIC_DISORDER") == "Psychotic disorder"
    assert flag_label("SOME_NEW_CODE") == "Some new code"
    assert severity_label("absolute") == "Contraindication"
