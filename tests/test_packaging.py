"""The production image installs every app: `pip install .` runs in the Dockerfile before
the rest of the source is copied, so each package pyproject.toml lists must be copied
first (a missing one stops the build), and each of the project's own apps must be listed
(or it is not installed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["setuptools"]["packages"]


def test_every_listed_package_is_copied_before_the_image_installs_it() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    before_install = dockerfile.split("RUN pip install .", 1)[0]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", before_install, flags=re.MULTILINE))
    assert set(_packages()) <= copied, sorted(set(_packages()) - copied)


def test_every_app_of_the_project_is_a_listed_package() -> None:
    own = {
        app.split(".")[0]
        for app in settings.INSTALLED_APPS
        if (ROOT / app.split(".")[0] / "apps.py").exists()
    }
    assert own <= set(_packages()), sorted(own - set(_packages()))
