"""The HTTP SMS provider backend, exercised against a local server that records requests."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clinic.notifications.sms import SmsError, send_sms


class Provider(BaseHTTPRequestHandler):
    received: list[dict[str, object]] = []
    status = 201

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        Provider.received.append(
            {
                "path": self.path,
                "auth": self.headers["Authorization"],
                "key": self.headers["Idempotency-Key"],
                "form": {k: v[0] for k, v in form.items()},
            }
        )
        self.send_response(Provider.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"sid": f"SM{len(Provider.received)}"}).encode())

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def provider(settings):
    Provider.received = []
    Provider.status = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "clinic.notifications.sms.HttpSmsBackend"
    settings.SMS_HTTP_URL = (
        f"http://127.0.0.1:{server.server_port}/2010-04-01/Accounts/AC1/Messages.json"
    )
    settings.SMS_HTTP_ACCOUNT = "AC1"
    settings.SMS_HTTP_TOKEN = "secret-token"
    settings.SMS_FROM = "+16175550100"
    yield Provider
    server.shutdown()
    server.server_close()


def test_the_provider_gets_the_message_with_auth_and_an_idempotency_key(provider) -> None:
    sid = send_sms(
        "+16175550123", "Riverside: see you tomorrow 10:00.", idempotency_key="reminder-9"
    )
    assert sid == "SM1"
    (request,) = provider.received
    assert request["form"] == {
        "To": "+16175550123",
        "From": "+16175550100",
        "Body": "Riverside: see you tomorrow 10:00.",
    }
    assert request["auth"] == "Basic " + base64.b64encode(b"AC1:secret-token").decode()
    assert request["key"] == "reminder-9"


def test_a_provider_error_becomes_a_clear_sms_error(provider) -> None:
    provider.status = 500
    with pytest.raises(SmsError, match="HTTP 500"):
        send_sms("+16175550123", "hello", idempotency_key="reminder-10")


def test_an_unreachable_provider_is_a_clear_sms_error(provider, settings) -> None:
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"
    with pytest.raises(SmsError, match="could not be reached"):
        send_sms("+16175550123", "hello")


def test_a_missing_configuration_is_refused(settings) -> None:
    settings.SMS_BACKEND = "clinic.notifications.sms.HttpSmsBackend"
    settings.SMS_HTTP_URL = ""
    with pytest.raises(SmsError, match="not configured"):
        send_sms("+16175550123", "hello")
