"""Offer work done by the worker: the live feed fan-out, the scheduled expiry of offers and quotes,
and announcements."""

from celery import shared_task

from offers.live import offer_changed_push
from offers.quote_services import quotes_expire_due
from offers.services import offers_announce_due, offers_expire_due
from servizo.tasks import ServizoTask


@shared_task(base=ServizoTask)
def push_offer_changed(*, offer_id: int, groups: list[str]) -> None:
    offer_changed_push(offer_id=offer_id, groups=groups)


@shared_task(base=ServizoTask)
def expire_offers() -> int:
    """Beat: what `manage.py expire_offers` does."""
    return offers_expire_due()


@shared_task(base=ServizoTask)
def expire_quotes() -> int:
    """Beat: mark pending quotes past their expiry as expired (they already read as expired everywhere)."""
    return quotes_expire_due()


@shared_task(base=ServizoTask)
def announce_requested_offers() -> int:
    """Beat: tell everyone matching about offers whose requested provider's window ended."""
    return offers_announce_due()
