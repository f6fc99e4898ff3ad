import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "SECRET_KEY": "k7#Qz!r2Vw9$Lm4^Tn8&Bx5*Hc3(Jd6)Fg1-Sp0+Ya_Ue=Ri;Oo:Nt<Wq>Ek,Gz",
    "ALLOWED_HOSTS": "servizo.example",
    "DATABASE_URL": "mysql://servizo:secret@db.example:3306/servizo",
    "REDIS_URL": "redis://cache.example:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example:587",
    "DEFAULT_FROM_EMAIL": "Servizo <no-reply@servizo.example>",
    "SITE_URL": "https://servizo.example",
    "PRIVATE_MEDIA_ROOT": "/srv/servizo/private-media",
    "STRIPE_SECRET_KEY": "sk_live_abc",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_abc",
    "STRIPE_WEBHOOK_SECRET": "whsec_abc",
    "PLATFORM_LEGAL_NAME": "Servizo Marketplace Ltd",
    "PLATFORM_ADDRESS": "1 Example Street, Springfield",
    "PLATFORM_TAX_ID": "GB123456789",
}


def _python(*args, env):
    """Python in the project with only `env` (the test runner's own settings stay out)."""
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    clean.update(env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True)


def _manage(*args, env):
    return _python("manage.py", *args, env={**env, "DJANGO_SETTINGS_MODULE": "servizo.settings.production"})


def _production_settings(*names, env=PRODUCTION_ENV):
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}, default=str))"
    )
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])  # after the shell's own banner


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "ALLOWED_HOSTS",
        "EMAIL_URL",
        "REDIS_URL",
        "SITE_URL",
        "DEFAULT_FROM_EMAIL",
        "PRIVATE_MEDIA_ROOT",
        "PLATFORM_LEGAL_NAME",
        "PLATFORM_TAX_ID",
    ],
)
def test_production_refuses_to_start_without_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMAIL_URL", "consolemail://"),
        ("EMAIL_URL", "memorymail://"),
        ("EMAIL_URL", "dummymail://"),
        ("EMAIL_URL", "filemail:///tmp/servizo-mail"),
        ("REDIS_URL", "cache.example:6379"),
        ("SITE_URL", "http://127.0.0.1:8000"),
        ("SITE_URL", "http://servizo.example"),
        ("SITE_URL", "https://elsewhere.example"),
        ("CSRF_TRUSTED_ORIGINS", "http://servizo.example"),
        ("STRIPE_API_BASE", "http://127.0.0.1:8420"),
        ("STRIPE_JS_URL", "http://127.0.0.1:8420/js.stripe.com/v3/"),
        ("DEFAULT_FROM_EMAIL", "Servizo <no-reply@servizo.local>"),
        ("PRIVATE_MEDIA_ROOT", "private_media"),
        ("PRIVATE_MEDIA_ROOT", str(ROOT / "static" / "uploads")),
        ("PRIVATE_MEDIA_ROOT", str(ROOT / "staticfiles" / "private")),
        ("DEBUG", "true"),
    ],
)
def test_production_refuses_development_values(name, value):
    result = _manage("check", env={**PRODUCTION_ENV, name: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.splitlines()[-1]


def test_production_defaults_are_production_ones():
    values = _production_settings(
        "DEBUG",
        "CSRF_TRUSTED_ORIGINS",
        "SERVER_EMAIL",
        "CACHES",
        "CHANNEL_LAYERS",
        "DATABASES",
        "EMAIL_TIMEOUT",
        "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
    )

    assert values["DEBUG"] is False
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://servizo.example"]
    assert values["SERVER_EMAIL"] == "Servizo <no-reply@servizo.example>"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.example:6379/0"
    assert "Redis" in values["CHANNEL_LAYERS"]["default"]["BACKEND"]
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] > 0
    assert values["EMAIL_TIMEOUT"] > 0
    assert values["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"  # allauth's links in emails


@pytest.mark.parametrize("module", ["servizo.wsgi", "servizo.asgi"])
def test_server_entry_points_default_to_production_settings(module):
    """gunicorn/daphne started without DJANGO_SETTINGS_MODULE must not come up on development settings."""
    code = f"import {module}; from django.conf import settings; print(settings.SETTINGS_MODULE)"

    assert _python("-c", code, env=PRODUCTION_ENV).stdout.split() == ["servizo.settings.production"]
    refused = _python("-c", code, env={})
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
