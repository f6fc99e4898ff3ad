"""Booking work done by the worker: the scheduled expiry of unpaid bookings."""

from celery import shared_task

from bookings.services import bookings_expire_unpaid
from servizo.tasks import ServizoTask


@shared_task(base=ServizoTask)
def expire_unpaid_bookings() -> tuple[int, int]:
    """Beat: what `manage.py expire_unpaid_bookings` does."""
    return bookings_expire_unpaid()
