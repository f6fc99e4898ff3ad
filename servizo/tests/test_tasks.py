"""The task base (servizo.tasks): failures land in FailedTask, staff retry them once; the schedule and heartbeat."""

import time

import pytest
from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.test import TestCase

from servizo.celery import app
from servizo.models import FailedTask
from servizo.tasks import ServizoTask, failed_task_retry, heartbeat

pytestmark = pytest.mark.django_db
calls: list[int] = []


@shared_task(base=ServizoTask)
def flaky(*, booking_id: int) -> int:
    """Fails on its first run, works on the next (a mail server or Stripe that came back)."""
    calls.append(booking_id)
    if len(calls) == 1:
        raise ConnectionError("service unavailable")
    return booking_id


def test_a_failed_task_is_kept_with_its_arguments_and_retried_once():
    calls.clear()

    result = flaky.delay(booking_id=7)

    assert result.failed()
    row = FailedTask.objects.get()
    assert (row.task_name, row.kwargs, row.status) == (flaky.name, {"booking_id": 7}, FailedTask.Status.FAILED)
    assert "ConnectionError: service unavailable" in row.error and "Traceback" in row.traceback

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert failed_task_retry(failed_task_id=row.pk)
        assert not failed_task_retry(failed_task_id=row.pk)  # a second click queues nothing

    assert calls == [7, 7]
    row.refresh_from_db()
    assert row.status == FailedTask.Status.RETRIED and FailedTask.objects.count() == 1


def test_support_cannot_retry_failed_tasks_and_finance_can(client, support_user, finance_user):
    row = FailedTask.objects.create(task_id="t-1", task_name=flaky.name, kwargs={"booking_id": 1}, error="x")
    url = "/admin/servizo/failedtask/"

    client.force_login(support_user)
    assert client.get(url).status_code == 403
    client.force_login(finance_user)
    assert "Retry: queue the task again" in client.get(url).content.decode()
    assert row.task_name in client.get(url).content.decode()


def test_every_scheduled_task_exists_and_the_operators_jobs_are_scheduled():
    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert names <= set(app.tasks)
    assert {
        "offers.tasks.expire_offers",
        "bookings.tasks.expire_unpaid_bookings",
        "payments.tasks.release_escrow",
        "payments.tasks.resume_settlements",
        "notifications.tasks.send_pending_emails",
        "payments.tasks.audit_ledger",
        "servizo.tasks.heartbeat",
    } <= names


def test_the_heartbeat_writes_the_time_health_checks_read():
    before = time.time()
    cache.delete(settings.WORKER_HEARTBEAT_KEY)

    heartbeat.delay()

    assert before <= cache.get(settings.WORKER_HEARTBEAT_KEY) <= time.time()
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["servizo.tasks.heartbeat"] < settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS / 2
