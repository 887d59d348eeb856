"""Every free-text field has a length limit and every date field a sane range (issue 14,
8 and 10): a megabyte pasted into a note, or the year 9999 typed into a date, is a clear
form error, never a stored novel or a 500."""

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


def test_every_date_field_of_every_form_is_bounded() -> None:
    from clinic.fields import ClinicDateField

    unbounded = [
        f"{form.__module__}.{form.__qualname__}.{name}"
        for form in _form_classes()
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.DateField) and not isinstance(field, ClinicDateField)
    ]
    assert unbounded == []


def test_a_date_in_year_9999_or_1_is_a_form_error_not_a_500(login, personas) -> None:
    from django.urls import reverse

    client = login(personas.admin)
    for query in ("date_to=9999-12-31", "date_from=0001-01-01"):
        page = client.get(reverse("audit_log") + "?" + query)
        assert page.status_code == 200
        assert "Enter a date between 1900 and 2100." in page.content.decode()
