"""Response headers on every page and the production deployment check (security.md §5)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import InvitationFactory

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


def test_the_calendar_feed_and_the_welcome_page_are_never_cached(login, personas, client) -> None:
    from django.utils import timezone

    from intake.services import invitation_token
    from sessions.services.scheduling import calendar_feed_create

    feed = client.get(reverse("calendar_feed", args=[calendar_feed_create(actor=personas.nurse)]))
    assert feed.status_code == 200
    assert "no-store" in feed["Cache-Control"]
    invitation = InvitationFactory(
        patient=personas.patient_b,
        email="bruno@patients.example",
        created_by=personas.coordinator,
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    welcome = client.get(reverse("invitation_accept", args=[invitation_token(invitation)]))
    assert welcome.status_code == 200
    assert "no-store" in welcome["Cache-Control"]
    assert "private" in welcome["Cache-Control"]


def _last_request_id(client, personas, **headers: str) -> tuple[str, str]:
    from clinic.models import AuditEvent

    response = client.get(reverse("patient_detail", args=[personas.patient_a.pk]), **headers)
    assert response.status_code == 200
    return AuditEvent.objects.order_by("-id").first().request_id, response["X-Request-ID"]


def test_a_request_id_sent_by_the_client_never_reaches_the_audit_trail(login, personas) -> None:
    import re

    client = login(personas.nurse)
    for sent in ("attacker-chosen-id-1234", "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"):
        stored, answered = _last_request_id(client, personas, HTTP_X_REQUEST_ID=sent)
        assert stored != sent.lower()
        assert re.fullmatch(r"[0-9a-f]{32}", stored)
        assert answered == stored


def test_a_trusted_proxys_request_id_is_kept_only_when_well_formed(
    login, personas, settings
) -> None:
    settings.TRUST_REQUEST_ID_HEADER = True
    client = login(personas.nurse)
    proxy_id = "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"
    assert _last_request_id(client, personas, HTTP_X_REQUEST_ID=proxy_id)[0] == proxy_id
    for malformed in ("attacker-chosen-id-1234", "a" * 65, "<script>", "0123456789abcde"):
        stored, _ = _last_request_id(client, personas, HTTP_X_REQUEST_ID=malformed)
        assert stored != malformed and len(stored) == 32


@pytest.mark.parametrize(
    ("debug", "https", "hosts", "warned"),
    [
        (False, False, ["clinic.example.org", "127.0.0.1"], True),
        (False, False, ["*"], True),
        (False, False, ["localhost", "127.0.0.1", "[::1]"], False),
        (False, True, ["clinic.example.org"], False),
        (True, False, ["clinic.example.org"], False),
    ],
)
def test_a_system_check_warns_when_a_public_host_is_served_without_https(
    settings, debug, https, hosts, warned
) -> None:
    from django.core.checks import run_checks

    settings.DEBUG, settings.HTTPS, settings.ALLOWED_HOSTS = debug, https, hosts
    found = [message for message in run_checks() if message.id == "clinic.W001"]
    assert bool(found) is warned
    if warned:
        assert hosts[0] in found[0].msg and "HTTPS=true" in found[0].hint


def test_no_page_template_has_an_inline_style_the_csp_would_block() -> None:
    """`style-src 'self'` blocks a style attribute (a console error, the style lost): the
    pages style with classes from the static CSS. E-mails and PDF documents are not served
    under the CSP."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if path.relative_to(root).parts[0] not in ("emails", "documents")
        and " style=" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
