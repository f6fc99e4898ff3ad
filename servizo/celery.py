"""The Celery app: background tasks (email, notification fan-out, webhooks) and schedules.

Settings prefixed CELERY_ configure it, read lazily: importing this module (every process does,
through servizo/__init__) picks no settings module, so the web entry points keep their production
default. Workers and the scheduler name theirs:
`DJANGO_SETTINGS_MODULE=servizo.settings.production celery -A servizo worker` (and `... beat`).
"""

from celery import Celery

app = Celery("servizo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
