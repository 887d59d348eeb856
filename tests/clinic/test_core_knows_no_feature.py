"""The core (`clinic`) knows no feature app, not even by string (issue 16, item 5): it
imports none, names none of their modules or app labels, and holds none of their
choices (a route, a reminder kind). Features plug in through the core's registries.

Only the project's configuration names the apps: `clinic/settings.py` (INSTALLED_APPS,
context processors) and `clinic/urls.py` (the URL includes). Migrations are history."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from clinic.notifications import kinds
from intake.choices import Route

CORE = Path(__file__).resolve().parents[2] / "clinic"
FEATURE_APPS = ("intake", "sessions", "integration", "treatment_sessions")
NAMES_A_FEATURE = re.compile(rf"^({'|'.join(FEATURE_APPS)})([.:]|$)")
CONFIGURATION = {"settings.py", "urls.py"}

# Names still in the core, each waiting for a registry of its own (listed in the notes of
# issue 16); the list may only shrink.
KNOWN_DEBTS = {
    # The object types the admin role may see named in the audit log.
    ("audit.py", "intake.invitation"),
    ("audit.py", "treatment_sessions.appointment"),
    ("audit.py", "treatment_sessions.booking"),
    ("audit.py", "treatment_sessions.series"),
    # The periodic tasks of every app, listed in one place.
    ("schedules.py", "integration.refresh_clinic_outcomes"),
}


def _core_modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE)
        if relative.parts[0] == "migrations" or str(relative) in CONFIGURATION:
            continue
        yield str(relative), ast.parse(path.read_text(), filename=str(path))


def _docstrings(tree: ast.Module) -> set[int]:
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _strings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every string in the code (docstrings are prose about the clinic, not references)."""
    prose = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            yield node.lineno, node.value


def test_the_core_imports_no_feature_app() -> None:
    found = []
    for name, tree in _core_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            found += [f"{name}:{node.lineno} {m}" for m in modules if NAMES_A_FEATURE.match(m)]
    assert found == []


def test_the_core_names_no_feature_module_or_app_label() -> None:
    found = [
        f"{name}:{line} {value!r}"
        for name, tree in _core_modules()
        for line, value in _strings(tree)
        if NAMES_A_FEATURE.match(value) and (name, value) not in KNOWN_DEBTS
    ]
    assert found == []


def test_the_core_holds_no_route_and_no_feature_reminder_kind() -> None:
    feature_kinds = {
        spec.value
        for spec in kinds.KINDS.values()
        if not spec.context.__module__.startswith("clinic.")
    }
    owned_by_features = {route.value for route in Route} | feature_kinds
    assert {"iv", "intranasal_esketamine", "session_24h", "intake_incomplete"} <= owned_by_features
    found = [
        f"{name}:{line} {value!r}"
        for name, tree in _core_modules()
        for line, value in _strings(tree)
        if value in owned_by_features
    ]
    assert found == []


def test_the_core_choices_module_declares_only_core_concepts() -> None:
    from clinic import choices

    assert not hasattr(choices, "Route")
    assert not hasattr(choices, "ReminderKind")
    assert not hasattr(choices, "CLINICAL_REMINDER_KINDS")
