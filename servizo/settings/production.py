"""Production settings: refuse to start on secrets or services left at their development defaults.

Every check raises ImproperlyConfigured naming the variable to set, so a misconfigured process
stops at boot instead of sending mail to the console, keeping cache and channel layer in one
process's memory, or linking emails to 127.0.0.1.
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host

from .base import *  # noqa: F403
from .base import LOGGING, STATIC_ROOT, STATICFILES_DIRS, env


def _refuse(name: str, why: str):
    raise ImproperlyConfigured(f"In production, {name} {why}.")


def _required(name: str, *, why: str = "") -> str:
    value = env(name, default="")
    if not value:
        _refuse(name, f"must be set{why}")
    return value


def _secret(name: str, *, forbid_prefix: str = "") -> str:
    value = _required(name)
    if (forbid_prefix and value.startswith(forbid_prefix)) or value.endswith("_local"):
        _refuse(name, "must be set to a real value, not the development one")
    return value


def _https_url(name: str, value: str) -> str:
    if urlsplit(value).scheme != "https" or not urlsplit(value).hostname:
        _refuse(name, f"must be an https:// URL (got {value!r})")
    return value


if env.bool("DEBUG", default=False):
    _refuse("DEBUG", "must be off")
DEBUG = False

SECRET_KEY = _secret("SECRET_KEY", forbid_prefix="django-insecure")
if len(SECRET_KEY) < 50:
    _refuse("SECRET_KEY", "must be at least 50 characters long")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    _refuse("ALLOWED_HOSTS", "must be set")
if not env("DATABASE_URL", default=""):
    _refuse("DATABASE_URL", "must be set")
# Reuse connections across requests (the base default of 0 reconnects on every request).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405

# The cache (rate limits) and the channel layer (chat, notifications) must be shared by every
# gunicorn and daphne process: base.py builds both on Redis once REDIS_URL is set.
_shared = " (the cache and channel layer must be shared by every process, not kept in each one's memory)"
if urlsplit(_required("REDIS_URL", why=_shared)).scheme not in ("redis", "rediss", "unix"):
    _refuse("REDIS_URL", "must be a redis://, rediss:// or unix:// URL")
# Sessions read from Redis by every node, written through to the database (they survive losing Redis).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Absolute links in emails, and the origin forms are posted from.
SITE_URL = _https_url("SITE_URL", _required("SITE_URL", why=" to the site's public https:// address"))
if not validate_host(urlsplit(SITE_URL).hostname, ALLOWED_HOSTS):
    _refuse("SITE_URL", f"must name a host in ALLOWED_HOSTS (got {SITE_URL!r})")
_site_origin = f"https://{urlsplit(SITE_URL).netloc}"
CSRF_TRUSTED_ORIGINS = [
    _https_url("CSRF_TRUSTED_ORIGINS", origin) for origin in env.list("CSRF_TRUSTED_ORIGINS", default=[_site_origin])
]

_required("EMAIL_URL", why=" to the mail server, e.g. smtp+tls://user:password@host:587")
if EMAIL_BACKEND.rsplit(".", 2)[-2] in ("console", "locmem", "dummy", "filebased"):  # noqa: F405
    _refuse("EMAIL_URL", "must name a real mail server (smtp://, smtps:// or smtp+tls://), not a development backend")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds; the default None can hang a worker
DEFAULT_FROM_EMAIL = _required("DEFAULT_FROM_EMAIL")
if DEFAULT_FROM_EMAIL.rstrip(">").lower().endswith(".local"):
    _refuse("DEFAULT_FROM_EMAIL", "must be an address at a real domain, not .local")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Receipts name the business that issues them (payments): never the development placeholders.
PLATFORM_LEGAL_NAME = _required("PLATFORM_LEGAL_NAME", why=" to the legal name printed on receipts")
PLATFORM_ADDRESS = _required("PLATFORM_ADDRESS", why=" to the business address printed on receipts")
PLATFORM_TAX_ID = _required("PLATFORM_TAX_ID", why=" to the tax id printed on receipts")

# Identity documents: a path chosen for the deployment (backed up, on a volume), never a served one.
PRIVATE_MEDIA_ROOT = Path(_required("PRIVATE_MEDIA_ROOT", why=" to a persistent directory outside static files"))
if not PRIVATE_MEDIA_ROOT.is_absolute():
    _refuse("PRIVATE_MEDIA_ROOT", "must be an absolute path")
if any(PRIVATE_MEDIA_ROOT.resolve().is_relative_to(Path(p).resolve()) for p in [STATIC_ROOT, *STATICFILES_DIRS]):
    _refuse("PRIVATE_MEDIA_ROOT", "must not be inside a directory served as static files")

STRIPE_SECRET_KEY = _secret("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = _secret("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = _secret("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = _https_url("STRIPE_API_BASE", env("STRIPE_API_BASE", default="https://api.stripe.com"))
STRIPE_JS_URL = _https_url("STRIPE_JS_URL", env("STRIPE_JS_URL", default="https://js.stripe.com/v3/"))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"  # allauth's confirmation and password-reset links
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}
# /healthz answers a load balancer probing the app port over plain HTTP, without the HTTPS redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# One JSON object per line (servizo.request_log): journald or a log shipper parses it as is.
LOGGING["formatters"] = {"json": {"()": "servizo.request_log.JsonFormatter"}}
LOGGING["handlers"]["console"]["formatter"] = "json"

# Error reporting, only where a DSN is given (no DSN: the SDK is never initialized).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,  # user ids only, never emails or request bodies
    )
