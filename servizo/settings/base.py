"""Settings read from the environment, with safe local defaults.

With no environment at all the site runs on SQLite, the in-memory channel
layer, the console email backend and a localstripe server on 127.0.0.1:8420.
Production (`servizo.settings.production`) refuses to start without secrets.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from servizo.money import PLATFORM_CURRENCIES

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-servizo-local-development-only")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "servizo",
    "places",
    "accounts",
    "notifications",
    "directory",
    "offers",
    "bookings",
    "disputes",
    "payments",
    "chat",
    "reviews",
    "console",  # above every app: the operator console (admin pages, dashboard, reports)
]

MIDDLEWARE = [
    "servizo.request_log.RequestLogMiddleware",  # outermost: its duration covers the rest
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "servizo.replica.PrimaryPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "servizo.pagecache.PageGenerationMiddleware",  # a user's writes renew their cached pages
    "servizo.timezones.TimeZoneMiddleware",  # times in the signed-in user's zone
    "servizo.languages.UserLanguageMiddleware",  # pages in the signed-in user's language
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "servizo.urls"
WSGI_APPLICATION = "servizo.wsgi.application"
ASGI_APPLICATION = "servizo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servizo.context_processors.site",
                "servizo.context_processors.csrf",  # one token per request (servizo.pagecache)
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"]["OPTIONS"] = {
        "charset": "utf8mb4",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        # Locking reads see the latest committed row; plain reads are not stale
        # snapshots from the start of a long transaction.
        "isolation_level": "read committed",
    }
    DATABASES["default"]["TEST"] = {
        "NAME": env("TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME']}"),
        "CHARSET": "utf8mb4",
        "COLLATION": "utf8mb4_unicode_ci",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Every transaction takes the write lock at BEGIN (waiting up to `timeout` seconds for it), so
        # two writers queue instead of one failing with "database is locked" when it upgrades a read
        # lock; select_for_update() is a no-op on SQLite, this is what serializes the services.
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        # WAL: readers never block the writer nor the writer the readers; NORMAL is durable in WAL mode
        # except for the last transactions before a power loss (never corrupt).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not the shared in-memory database: threaded tests need real locking and WAL.
    if DATABASES["default"]["NAME"] != ":memory:":
        sqlite_path = Path(DATABASES["default"]["NAME"])
        DATABASES["default"]["TEST"] = {"NAME": str(sqlite_path.with_name(f"test_{sqlite_path.name}"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Sessions read from the cache (Redis in production) and written through to the database: a signed-in
# request reads no session row, and with Redis down (servizo.cache) every read falls back to the table.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# A MariaDB replica for the listing and report reads that opt in (servizo.replica); unset, all on default.
DATABASE_ROUTERS = ["servizo.replica.PrimaryReplicaRouter"]
DATABASE_READ_REPLICA = None
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {**DATABASES["default"], **env.db("DATABASE_REPLICA_URL")}
    DATABASE_READ_REPLICA = "replica"
# After a request that wrote, that browser reads the primary for this long (longer than replica lag).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
# servizo.pagecache: how old a signed-in page may be in what changes without its user being told (others'
# new offers in a feed, a review on a profile); what they do or are told renews it at once. 0: off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=30)

# --- Cache, channels ------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")


def redis_cache(url: str) -> dict:
    """The cache on Redis, safe to lose (servizo.cache): short socket timeouts, so a dead or hung
    Redis costs a request about a second once, then calls are misses until it is back."""
    return {
        "BACKEND": "servizo.cache.ResilientRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


def channel_redis_host(url: str) -> dict:
    """A pub/sub channel layer's Redis, without redis-py's socket timeout: it bounds each write with
    `asyncio.wait_for`, on Python 3.11 a new task per publish. Nothing waits unbounded without it:
    servizo.realtime bounds every publish, a subscription only writes, the receiver waits for messages
    (a lost connection ends its wait) and connecting keeps a 5 s bound. (With an address, as here, the layer
    connects through servizo.redisloop, which takes only the URL.)"""
    return {"address": url, "socket_timeout": None, "socket_connect_timeout": 5}


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000, "expiry": 30},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background tasks (Celery on Redis) ----------------------------------
# Without Redis (`make run`'s default) tasks run in the process that queues them.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
# An eager task that fails is recorded like a worker's (servizo.tasks: FailedTask), not raised into its caller.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True  # outcomes live in our rows (outbox, StripeEvent, FailedTask): no result backend
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # with acks_late: a slow task does not hold others back
# Redis redelivers a message not acknowledged within this time; longer than any task and any retry countdown.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# The schedule `celery -A servizo beat` runs. Each run expires when the next one is due, so a worker
# that was down does not find a pile of identical runs. The commands stay for operators.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "servizo.tasks.heartbeat", "schedule": 30.0, "options": {"expires": 30}},
    "send-pending-emails": {
        "task": "notifications.tasks.send_pending_emails",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    "expire-offers": {"task": "offers.tasks.expire_offers", "schedule": 300.0, "options": {"expires": 300}},
    "expire-quotes": {"task": "offers.tasks.expire_quotes", "schedule": 300.0, "options": {"expires": 300}},
    "announce-requested-offers": {
        "task": "offers.tasks.announce_requested_offers",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    "expire-unpaid-bookings": {
        "task": "bookings.tasks.expire_unpaid_bookings",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    "resume-stripe-events": {
        "task": "payments.tasks.resume_stripe_events",
        "schedule": 600.0,
        "options": {"expires": 600},
    },
    "resume-settlements": {
        "task": "payments.tasks.resume_settlements",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    "release-escrow": {"task": "payments.tasks.release_escrow", "schedule": 3600.0, "options": {"expires": 3600}},
    "audit-ledger": {"task": "payments.tasks.audit_ledger", "schedule": crontab(hour=3, minute=15)},
}
# Workers write a timestamp under this cache key; /healthz reports the worker down when it is older.
WORKER_HEARTBEAT_KEY = "servizo:worker-heartbeat"
WORKER_HEARTBEAT_MAX_AGE_SECONDS = 120
# The nightly ledger audit emails discrepancies to these addresses and to active staff in the Finance group.
FINANCE_EMAILS = env.list("FINANCE_EMAILS", default=[])

# --- Auth (django-allauth, email login) ----------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Servizo] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

# --- Email ----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may block; a failed send is kept and retried (notifications.outbox).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Absolute links in emails are SITE_URL + path.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Servizo <no-reply@servizo.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n / time ----------------------------------------------------------
LANGUAGE_CODE = "en"
# English (the source strings) and Urdu, right to left (README "Languages").
LANGUAGES = [("en", "English"), ("ur", "اردو")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Django's default renderings of dates and times in the shape of servizo.timezones (README "Time zones").
FORMAT_MODULE_PATH = ["servizo.formats"]

# --- Static and private files ---------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded identity documents: outside static/ and never under a public URL;
# served only through an authorizing view.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
# Behind nginx: the URL prefix of an `internal` location aliased to PRIVATE_MEDIA_ROOT (deploy/nginx).
# The authorizing view then answers with X-Accel-Redirect and nginx sends the file; empty: Django streams it.
PRIVATE_MEDIA_ACCEL_REDIRECT = env("PRIVATE_MEDIA_ACCEL_REDIRECT", default="")
PROVIDER_DOCUMENT_MAX_BYTES = env.int("PROVIDER_DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# Photos (servizo.images): the largest upload accepted and the most pixels decoded (bombs are refused).
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
OFFER_PHOTOS_MAX = 5
PORTFOLIO_PHOTOS_MAX = 12
# Chat photos per sender per hour (on top of the chat's message rate limit).
CHAT_PHOTOS_PER_HOUR = env.int("CHAT_PHOTOS_PER_HOUR", default=30)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}  # Bootstrap's name for messages.ERROR

# --- Marketplace rules ----------------------------------------------------
# The deployment's one currency (ISO 4217 code, lower case): usd, pkr or eur. Amounts are integers in
# its minor unit (servizo.money); an amount in another currency is refused.
CURRENCY = env("PLATFORM_CURRENCY", default="usd").lower()
if CURRENCY not in PLATFORM_CURRENCIES:
    raise ImproperlyConfigured(f"PLATFORM_CURRENCY must be one of {', '.join(PLATFORM_CURRENCIES)}.")
# Platform commission in basis points (2000 = 20 %), snapshotted on every booking.
PLATFORM_COMMISSION_BP = env.int("PLATFORM_COMMISSION_BP", default=2000)
BOOKING_PAYMENT_WINDOW = timedelta(hours=env.int("BOOKING_PAYMENT_WINDOW_HOURS", default=24))
ESCROW_AUTO_RELEASE_AFTER = timedelta(days=env.int("ESCROW_AUTO_RELEASE_DAYS", default=3))
# Disputes: the provider's time to respond once a problem is reported, then staff's time to decide
# (counted from the response, or from the end of the provider's time); later, the dashboard flags it.
DISPUTE_RESPONSE_WINDOW = timedelta(hours=env.int("DISPUTE_RESPONSE_HOURS", default=48))
DISPUTE_DECISION_WINDOW = timedelta(hours=env.int("DISPUTE_DECISION_HOURS", default=48))
# Cancellation policy (README), snapshotted on every booking: the customer cancels a paid booking for
# free up to this many hours before its scheduled start; later, this share of the price (basis points)
# is kept as a late-cancellation fee, split with the booking's commission rate.
CANCELLATION_FREE_HOURS = env.int("CANCELLATION_FREE_HOURS", default=24)
CANCELLATION_LATE_FEE_BP = env.int("CANCELLATION_LATE_FEE_BP", default=2500)
if not 0 <= CANCELLATION_LATE_FEE_BP <= 10_000:
    raise ImproperlyConfigured("CANCELLATION_LATE_FEE_BP must be between 0 and 10000 basis points.")
REVIEW_EDIT_WINDOW = timedelta(days=env.int("REVIEW_EDIT_WINDOW_DAYS", default=7))
OFFER_MAX_PRICE_CENTS = env.int("OFFER_MAX_PRICE_CENTS", default=5_000_000)
# A provider's quote (counter-offer) stays open this long, and never past the offer's own expiry.
QUOTE_TTL = timedelta(hours=env.int("QUOTE_TTL_HOURS", default=24))
# A payouts run keeps a booking's Transfer row PENDING only from claiming it to recording Stripe's
# answer (one chunk of at most 500 Stripe calls: seconds to minutes). `audit_ledger` reports a row
# pending for longer than this as left by a dead run.
PAYOUT_PENDING_MAX_AGE = timedelta(minutes=env.int("PAYOUT_PENDING_MAX_AGE_MINUTES", default=60))

# Who issues receipts (payments: receipt page and PDF). Production must set the real ones.
PLATFORM_LEGAL_NAME = env("PLATFORM_LEGAL_NAME", default="Servizo Marketplace Ltd (development)")
PLATFORM_ADDRESS = env("PLATFORM_ADDRESS", default="1 Example Street, Springfield 00000")
PLATFORM_TAX_ID = env("PLATFORM_TAX_ID", default="DEV-000000")

# --- Stripe ---------------------------------------------------------------
# With STRIPE_API_BASE set, the SDK talks to that server (localstripe locally).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_servizo_local")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_servizo_local")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_servizo_local")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://127.0.0.1:8420")
STRIPE_JS_URL = env("STRIPE_JS_URL", default=f"{STRIPE_API_BASE}/js.stripe.com/v3/")
# A CA bundle the SDK trusts instead of its own: only for a Stripe-compatible test server behind a
# private CA (`make prod-local`); empty for real Stripe.
STRIPE_CA_BUNDLE = env("STRIPE_CA_BUNDLE", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint (receipt PDFs) logs every layout step at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# allauth's EmailAddress has conditional unique constraints MariaDB cannot
# create; allauth validates uniqueness itself.
SILENCED_SYSTEM_CHECKS = ["models.W036"]

# --- accounts -------------------------------------------------------------
# allauth's own signup URL shows the role chooser; a form posted there signs up a customer.
ACCOUNT_FORMS = {"signup": "accounts.forms.CustomerSignupForm"}


# --- Chat -----------------------------------------------------------------
CHAT_MESSAGE_MAX_LENGTH = env.int("CHAT_MESSAGE_MAX_LENGTH", default=2000)
# Per user, across all conversations: at most COUNT messages in any SECONDS-long (sliding) window.
CHAT_RATE_LIMIT_COUNT = env.int("CHAT_RATE_LIMIT_COUNT", default=20)
CHAT_RATE_LIMIT_SECONDS = env.int("CHAT_RATE_LIMIT_SECONDS", default=10)
# Redis pub/sub instead of channels-redis's list-based layer, for two measured reasons:
# - with redis-py 8 (5 s default read timeout, the same as the list layer's BZPOPMIN wait) an idle
#   process's receive loop times out and every socket on it closes with 1011 after ~5 s of quiet;
# - at 200 msg/s over two daphne processes (bench/chat_latency.py) the list layer fell seconds behind
#   and dropped messages; pub/sub kept up. Same API and the same at-most-once contract (clients resync).
if REDIS_URL and env.bool("CHANNEL_LAYER_PUBSUB", default=True):
    from urllib.parse import urlsplit

    CHANNEL_LAYERS["default"] = {
        "BACKEND": "servizo.channel_layer.RedisPubSubChannelLayer",  # channels_redis's, group sends published leaner
        # Pub/sub channels ignore the Redis database number: name them per database so that runs on
        # different databases of one Redis (parallel test suites) never hear each other.
        # CHANNEL_REDIS_HOSTS shards channels and groups across several Redis servers (scale-out).
        "CONFIG": {
            "hosts": [channel_redis_host(url) for url in env.list("CHANNEL_REDIS_HOSTS", default=[REDIS_URL])],
            "prefix": f"asgi.{urlsplit(REDIS_URL).path.strip('/') or '0'}",
        },
    }
