"""One structured log line per request, and error reporting only where SENTRY_DSN is set."""

import json
import logging

import pytest
from django.urls import reverse

from servizo.request_log import JsonFormatter
from servizo.tests.test_settings import PRODUCTION_ENV, _manage

pytestmark = pytest.mark.django_db


def _request_lines(caplog) -> list[dict]:
    return [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "servizo.request"]


def test_a_signed_in_request_logs_one_json_line_with_who_what_and_how_long(client, customer, caplog):
    client.force_login(customer)

    with caplog.at_level(logging.INFO, logger="servizo.request"):
        response = client.get(reverse("dashboard"), HTTP_X_REQUEST_ID="nginx-abc123")

    [line] = _request_lines(caplog)
    assert line["user_id"] == customer.pk and line["request_id"] == "nginx-abc123"
    assert (line["method"], line["path"], line["status"]) == ("GET", reverse("dashboard"), 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["message"].startswith(f"GET {reverse('dashboard')} 200 ")
    assert response["X-Request-ID"] == "nginx-abc123"


def test_without_a_request_id_one_is_made_and_anonymous_is_null(client, caplog):
    with caplog.at_level(logging.INFO, logger="servizo.request"):
        response = client.get("/no-such-page/")

    [line] = _request_lines(caplog)
    assert line["status"] == 404 and line["user_id"] is None
    assert len(line["request_id"]) == 32 and response["X-Request-ID"] == line["request_id"]


def _sentry_active(env) -> bool:
    code = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1] == "True"


def test_sentry_is_off_without_a_dsn_and_on_with_one():
    assert not _sentry_active(PRODUCTION_ENV)
    assert _sentry_active({**PRODUCTION_ENV, "SENTRY_DSN": "https://public@sentry.example/1"})


def test_production_logs_are_json_lines():
    code = "import logging; logging.getLogger('servizo.request').info('hello', extra={'status': 200})"
    result = _manage("shell", "-c", code, env=PRODUCTION_ENV)

    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello" and line["status"] == 200 and line["logger"] == "servizo.request"
