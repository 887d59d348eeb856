"""The core (`clinic`) knows no feature app, not even by string (issue 16, item 5): it
imports none, names none of their modules or app labels, holds none of their choices (a
route, a reminder kind), and its templates link to none of their pages by URL name.
Features plug in through the core's registries.

Only the project's configuration names the apps: `clinic/settings.py` (INSTALLED_APPS,
context processors) and `clinic/urls.py` (the URL includes). Migrations are history."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

from django.urls import URLResolver

from clinic.notifications import kinds
from intake.choices import Route

CORE = Path(__file__).resolve().parents[2] / "clinic"
FEATURE_APPS = (
    "intake",
    "sessions",
    "integration",
    "treatment_sessions",
    "controlled",
    "fhir",
)
NAMES_A_FEATURE = re.compile(rf"^({'|'.join(FEATURE_APPS)})([.:]|$)")
CONFIGURATION = {"settings.py", "urls.py"}

# Names still in the core, each waiting for a registry of its own (listed in the notes of
# issue 16); the list may only shrink.
KNOWN_DEBTS: set[tuple[str, str]] = set()

CORE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "clinic"
URL_TAG = re.compile(r"""{%\s*url\s+["']([\w:-]+)["']""")


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


def _url_names(patterns: list[Any]) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _url_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
    return names


def test_the_core_templates_link_to_no_feature_page_by_name() -> None:
    """A feature's page is linked from a core page through a registry (the chart's
    buttons, the portal home's buttons, the menu), never by its URL name."""
    feature_pages = set()
    for app in FEATURE_APPS:
        try:
            urls = import_module(f"{app}.urls")
        except ModuleNotFoundError:
            continue
        feature_pages |= _url_names(urls.urlpatterns)
    core_pages = _url_names(import_module("clinic.urls").urlpatterns) - feature_pages
    assert {"patient_sessions", "plan", "review", "my_sessions", "intake_home"} <= feature_pages
    assert {"patient_detail", "home", "patient_documents"} <= core_pages
    found = [
        f"{path.relative_to(CORE_TEMPLATES)}: {name!r}"
        for path in sorted(CORE_TEMPLATES.rglob("*.html"))
        for name in URL_TAG.findall(path.read_text())
        if name in feature_pages
    ]
    assert found == []
