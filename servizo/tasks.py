"""Background tasks (Celery): the base every Servizo task uses, `enqueue`, failed tasks, the worker heartbeat.

Every task is idempotent (it re-reads the database and does nothing twice) and takes keyword arguments
JSON carries (ids, strings). A task that raises is retried with exponential backoff (about 5 s, 10 s,
20 s ... capped at 10 min, with jitter), MAX_RETRIES times; then it is stored as a `FailedTask` row the
admin lists, where staff queue it again. Nothing is dropped silently: a task that could not even be
queued (broker down) leaves its durable row (an outbox email, a received Stripe event) for the beat
schedule's safety nets. An eager run (`make run` without Redis, the test suite) has nobody to wait for
a countdown, so there a failure is final at once.
"""

import logging
import time

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from servizo.celery import app
from servizo.commit import after_commit
from servizo.models import FailedTask

logger = logging.getLogger(__name__)


class ServizoTask(Task):
    """Retried with backoff on any error; recorded as a FailedTask when the retries run out."""

    autoretry_for = (Exception,)
    max_retries = 8
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    # Acknowledged after it ran: a worker killed mid-task leaves the message for another (tasks are idempotent).
    acks_late = True
    reject_on_worker_lost = True

    def retry(self, *args, exc=None, **kwargs):
        if self.request.is_eager and exc is not None:
            raise exc  # no countdown to wait for: fail now, into FailedTask
        return super().retry(*args, exc=exc, **kwargs)

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        try:
            FailedTask.objects.update_or_create(
                task_id=task_id,
                defaults={
                    "task_name": self.name,
                    "args": list(args),
                    "kwargs": dict(kwargs),
                    "error": f"{type(exc).__name__}: {exc}"[:2000],
                    "traceback": str(einfo)[:20000],
                    "status": FailedTask.Status.FAILED,
                },
            )
        except Exception:  # the database itself is down: the log is all that is left
            logger.exception("Task %s %s failed and could not be recorded", self.name, task_id)


def enqueue(task: Task, /, **kwargs) -> None:
    """Queue `task(**kwargs)` once the current transaction commits (at once outside one)."""
    after_commit(task.delay, **kwargs)


def failed_task_retry(*, failed_task_id: int) -> bool:
    """Staff: queue a failed task again with its arguments (once: a row already retried is left alone)."""
    with transaction.atomic():
        row = FailedTask.objects.select_for_update().get(pk=failed_task_id)
        if row.status != FailedTask.Status.FAILED:
            return False
        row.status = FailedTask.Status.RETRIED
        row.retried_at = timezone.now()
        row.save(update_fields=["status", "retried_at"])
        app.loader.import_default_modules()  # every app's tasks module, so that the name is known
        after_commit(app.tasks[row.task_name].apply_async, args=row.args, kwargs=row.kwargs)
    return True


def heartbeat_write() -> None:
    """Tell /healthz a worker is alive: the time now, under WORKER_HEARTBEAT_KEY."""
    # Kept well past the age at which /healthz calls it stale, then dropped (no key: no worker either).
    cache.set(settings.WORKER_HEARTBEAT_KEY, time.time(), timeout=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS * 10)


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Scheduled every 30 s: a fresh timestamp means beat schedules and a worker consumes."""
    heartbeat_write()


@worker_ready.connect
def _heartbeat_on_start(**kwargs) -> None:
    heartbeat_write()
