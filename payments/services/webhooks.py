"""Stripe webhook events: store each once by id, then let its handler re-read the object from Stripe.

Handlers never trust the event body (it may be stale or arrive out of order): they fetch the
current object and feed it to the same idempotent services the pages and commands use.
"""

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.models import Payment, Settlement, StripeEvent, Transfer
from payments.services.checkout import payment_record_intent
from payments.services.connect import connect_account_refresh
from payments.services.payouts import transfer_record
from payments.services.settlements import settlement_resume
from payments.stripe_gateway import metadata_of, stripe_client, stripe_errors

logger = logging.getLogger(__name__)


def _on_payment_intent(object_id: str) -> None:
    with stripe_errors():
        intent = stripe_client().v1.payment_intents.retrieve(object_id)
    metadata = metadata_of(intent)
    payment = Payment.objects.filter(pk=metadata.get("payment_id"), booking_id=metadata.get("booking_id")).first()
    if payment is None:
        logger.info("PaymentIntent %s is not one of ours", object_id)
        return
    payment_record_intent(payment_id=payment.pk, intent=intent)


def _on_refund(object_id: str) -> None:
    with stripe_errors():
        refund = stripe_client().v1.refunds.retrieve(object_id)
    settlement = Settlement.objects.filter(pk=metadata_of(refund).get("settlement_id")).first()
    if settlement is not None:
        settlement_resume(settlement_id=settlement.pk)


def _on_transfer(object_id: str) -> None:
    with stripe_errors():
        transfer = stripe_client().v1.transfers.retrieve(object_id)
    row = Transfer.objects.filter(pk=metadata_of(transfer).get("transfer_id")).first()
    if row is not None:
        transfer_record(transfer_id=row.pk, stripe_transfer=transfer)


def _on_account(object_id: str) -> None:
    connect_account_refresh(account_id=object_id)


HANDLERS: dict[str, Callable[[str], None]] = {
    "payment_intent.succeeded": _on_payment_intent,
    "payment_intent.payment_failed": _on_payment_intent,
    "payment_intent.processing": _on_payment_intent,
    "payment_intent.canceled": _on_payment_intent,
    "payment_intent.requires_action": _on_payment_intent,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "transfer.created": _on_transfer,
    "transfer.updated": _on_transfer,
    "transfer.reversed": _on_transfer,
    "account.updated": _on_account,
}


def stripe_event_process(*, event_id: str, event_type: str, object_id: str, payload: dict) -> StripeEvent:
    """Store the event (once per id) and handle it unless already processed.

    Raises the handler's exception after recording it as FAILED, so the view answers 500 and
    Stripe retries later.
    """
    try:
        with transaction.atomic():
            event = StripeEvent.objects.create(event_id=event_id, type=event_type, payload=payload)
    except IntegrityError:
        event = StripeEvent.objects.get(event_id=event_id)
    if event.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED):
        return event
    handler = HANDLERS.get(event_type)
    event.attempts += 1
    if handler is None:
        event.status = StripeEvent.Status.IGNORED
    else:
        try:
            handler(object_id)
        except Exception as error:
            event.status = StripeEvent.Status.FAILED
            event.error = f"{type(error).__name__}: {error}"[:2000]
            event.save(update_fields=["status", "error", "attempts"])
            raise
        event.status = StripeEvent.Status.PROCESSED
        event.error = ""
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "error", "attempts", "processed_at"])
    return event
