"""A template tag reads (issue 18): it imports selectors and pure rules, never a service
module, even a read-only one — services are where state changes, and a page rendering a
tag must not reach them (docs/architecture.md, the layers)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_template_tag_imports_a_service() -> None:
    tags = sorted(ROOT.glob("*/templatetags/*.py"))
    assert any(path.name == "booking.py" for path in tags)  # the glob finds the tags
    found = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        for path in tags
        for line, module in _imported_modules(path)
        if "services" in module.split(".")
    ]
    assert found == []


def test_the_registration_refusal_is_one_function_for_the_tag_and_the_booking_check() -> None:
    from sessions.selectors.registration import registration_refusal
    from sessions.services.scheduling import availability, changes
    from sessions.templatetags import booking

    assert booking.registration_refusal is registration_refusal
    assert availability.registration_refusal is registration_refusal
    assert changes.registration_refusal is registration_refusal
