"""Response headers on every page and the production deployment check (security.md §5)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("url_name", ["login", "password_reset", "home", "patient_list"])
def test_every_page_sends_csp_frame_denial_nosniff_and_referrer_policy(url_name, login, personas):
    client = login(personas.coordinator)
    response = client.get(reverse(url_name))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_with_patient_data_are_never_cached(login, personas) -> None:
    client = login(personas.nurse)
    response = client.get(reverse("patient_detail", args=[personas.patient_a.pk]))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_cookies_are_httponly_and_samesite_lax(client, personas) -> None:
    from tests.factories import PASSWORD

    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"


def test_every_page_loads_scripts_only_from_its_own_static_files(login, personas) -> None:
    body = login(personas.nurse).get(reverse("home")).content.decode()
    assert "<script>" not in body
    assert "onclick=" not in body and "style=" not in body


def test_https_settings_mark_cookies_secure_and_send_hsts(monkeypatch) -> None:
    env = _production_env()
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "True", "True", "True"]


def _production_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "CLINIC_REQUIRE_MFA", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        CLINIC_ENV_FILE="",  # production has no developer .env
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DEBUG="false",
        HTTPS="true",
        SECRET_KEY="p7$Xq2!vL9#mR4@tZ8^wK1&nB6*yH3(jF5)dS0-gC7+eA2=uQ9_iO4",
        ALLOWED_HOSTS="clinic.example.org",
    )
    return env


def test_check_deploy_passes_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_server_timing_is_off_by_default_and_reports_time_and_queries_when_on(
    login, personas, settings
) -> None:
    client = login(personas.nurse)
    response = client.get(reverse("home"))
    assert "Server-Timing" not in response and "X-Query-Count" not in response
    settings.MIDDLEWARE = ["clinic.middleware.ServerTimingMiddleware", *settings.MIDDLEWARE]
    response = login(personas.nurse).get(reverse("home"))  # a new client loads the middleware
    assert response["Server-Timing"].startswith("app;dur=")
    assert int(response["X-Query-Count"]) > 0
