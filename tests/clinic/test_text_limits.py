"""Every free-text field has a length limit (issue 14, 10): a model's text column is
validated by the forms built from it, and a form's own text field says its limit, so a
megabyte pasted into a reason, a note or an addendum is a clear form error."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from django import forms
from django.apps import apps
from django.db import models

PROJECT_APPS = ("clinic", "intake", "treatment_sessions", "integration")
PROJECT_PACKAGES = ("clinic", "intake", "sessions", "integration")


def test_every_text_column_of_the_project_has_a_max_length() -> None:
    missing = [
        f"{model._meta.label}.{field.name}"
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and field.max_length is None
        and not model.__name__.startswith("Historical")
    ]
    assert missing == []


def _form_classes() -> list[type[forms.BaseForm]]:
    found = {}
    for package in PROJECT_PACKAGES:
        root = importlib.import_module(package)
        names = [package] + [
            f"{package}.{info.name}"
            for info in pkgutil.walk_packages(root.__path__)
            if "migrations" not in info.name and "management" not in info.name
        ]
        for name in names:
            module = importlib.import_module(name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, forms.BaseForm) and value.__module__.startswith(package):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_every_text_field_of_every_form_has_a_max_length() -> None:
    missing = [
        f"{form.__module__}.{form.__qualname__}.{name}"
        for form in _form_classes()
        for name, field in getattr(form, "base_fields", {}).items()
        if type(field) is forms.CharField and field.max_length is None
    ]
    assert missing == []
