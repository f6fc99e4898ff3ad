"""Stripe webhook events: the view stores each once by id (`stripe_event_receive`) and answers 200 at
once; a worker task (payments.tasks.handle_stripe_event, queued on commit) runs its handler, which
re-reads the object from Stripe (`stripe_event_handle`).

Handlers never trust the event body (it may be stale or arrive out of order): they fetch the
current object and feed it to the same idempotent services the pages and commands use.

Outcomes split by whether a retry can help: an event that cannot apply here (a type we do not
handle, a payload without its object, an object Stripe or our database does not know) is stored
IGNORED with the reason; a fault a retry can cure (Stripe or the database unavailable) is stored
FAILED and raised, so the task is retried with backoff and, when the retries run out, listed as a
failed task staff can retry (servizo.tasks). A PROCESSED or IGNORED event is never handled again, however
often Stripe delivers it or the task runs. Only a failure to store the event answers 500 (Stripe
retries); an event stored but never queued (broker down) is queued again by the beat schedule
(`stripe_events_resume`).
"""

import logging
from collections.abc import Callable
from datetime import timedelta

import stripe
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.models import Payment, Settlement, StripeEvent, Transfer
from payments.services.chargebacks import chargeback_sync
from payments.services.checkout import payment_record_intent
from payments.services.connect import connect_account_refresh
from payments.services.payouts import transfers_record
from payments.services.settlements import settlement_resume
from payments.stripe_gateway import metadata_of, stripe_client, stripe_errors
from servizo.tasks import enqueue

logger = logging.getLogger(__name__)
# An event still RECEIVED this long after it arrived lost its task; the beat queues it again.
RESUME_AFTER = timedelta(minutes=10)
RESUME_BATCH = 1000


class EventIgnored(Exception):
    """The event cannot apply here, and no retry will change that; the message says why."""


def _retrieve(resource: str, object_id: str):
    """The current object from Stripe; one Stripe does not know (4xx) makes the event ignorable."""
    with stripe_errors():
        try:
            return getattr(stripe_client().v1, resource).retrieve(object_id)
        except stripe.InvalidRequestError as error:
            raise EventIgnored(f"Stripe does not know {resource} {object_id}: {error.user_message or error}") from error


def _metadata_pk(stripe_object, key: str) -> int | None:
    value = metadata_of(stripe_object).get(key, "")
    return int(value) if value.isdigit() else None


def _on_payment_intent(object_id: str) -> None:
    intent = _retrieve("payment_intents", object_id)
    payment = Payment.objects.filter(
        pk=_metadata_pk(intent, "payment_id"), booking_id=_metadata_pk(intent, "booking_id")
    ).first()
    if payment is None:
        raise EventIgnored(f"PaymentIntent {object_id} is not one of ours (no matching payment)")
    payment_record_intent(payment_id=payment.pk, intent=intent)


def _on_refund(object_id: str) -> None:
    refund = _retrieve("refunds", object_id)
    settlement = Settlement.objects.filter(pk=_metadata_pk(refund, "settlement_id")).first()
    if settlement is None:
        raise EventIgnored(f"Refund {object_id} is not one of ours (no matching settlement)")
    settlement_resume(settlement_id=settlement.pk)


def _on_transfer(object_id: str) -> None:
    transfer = _retrieve("transfers", object_id)
    row = Transfer.objects.filter(pk=_metadata_pk(transfer, "transfer_id")).first()
    if row is None:
        raise EventIgnored(f"Transfer {object_id} is not one of ours (no matching transfer row)")
    transfers_record(made=[(row.pk, transfer.id)])


def _on_dispute(object_id: str) -> None:
    dispute = _retrieve("disputes", object_id)
    payment = Payment.objects.filter(payment_intent_id=dispute.payment_intent or "").first()
    if payment is None:
        raise EventIgnored(f"Dispute {object_id} is on a charge that is not one of ours")
    chargeback_sync(dispute=dispute, payment=payment)


def _on_account(object_id: str) -> None:
    if connect_account_refresh(account_id=object_id) is None:
        raise EventIgnored(f"Account {object_id} belongs to no provider here")


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
    "charge.dispute.created": _on_dispute,
    "charge.dispute.updated": _on_dispute,
    "charge.dispute.closed": _on_dispute,
    "charge.dispute.funds_withdrawn": _on_dispute,
    "charge.dispute.funds_reinstated": _on_dispute,
}


def event_object_id(payload: dict) -> str:
    """`data.object.id` of an event body, or "" when the body does not have one."""
    data = payload.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""


def stripe_event_receive(*, event_id: str, event_type: str, payload: dict) -> StripeEvent:
    """Store the event (once per id) and, unless it is handled already, queue its handling after commit."""
    from payments.tasks import handle_stripe_event  # the tasks module imports this one

    try:
        with transaction.atomic():
            event = StripeEvent.objects.create(event_id=event_id, type=event_type, payload=payload)
    except IntegrityError:
        event = StripeEvent.objects.get(event_id=event_id)
    if event.status not in StripeEvent.HANDLED:
        enqueue(handle_stripe_event, event_id=event_id)
    return event


def stripe_event_handle(*, event_id: str) -> StripeEvent:
    """Handle a stored event unless already processed or ignored.

    An event that cannot apply is stored IGNORED with the reason. Any other failure is stored
    FAILED and re-raised, so the task retries it later.
    """
    event = StripeEvent.objects.get(event_id=event_id)
    if event.status in StripeEvent.HANDLED:
        return event
    event.attempts += 1
    try:
        handler = HANDLERS.get(event.type)
        object_id = event_object_id(event.payload)
        if handler is None:
            raise EventIgnored(f"Event type {event.type} is not handled")
        if not object_id:
            raise EventIgnored("The payload is malformed: no data.object.id")
        handler(object_id)
    except (EventIgnored, ObjectDoesNotExist) as reason:
        logger.info("Stripe event %s ignored: %s", event_id, reason)
        event.status = StripeEvent.Status.IGNORED
        event.error = f"{type(reason).__name__}: {reason}"[:2000]
    except Exception as error:
        event.status = StripeEvent.Status.FAILED
        event.error = f"{type(error).__name__}: {error}"[:2000]
        event.save(update_fields=["status", "error", "attempts"])
        raise
    else:
        event.status = StripeEvent.Status.PROCESSED
        event.error = ""
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "error", "attempts", "processed_at"])
    return event


def stripe_events_resume(*, older_than: timedelta = RESUME_AFTER) -> int:
    """Queue the handling of every event received more than `older_than` ago and never handled since
    (its task was lost: broker down when the view queued it). Returns how many. Safe to re-run."""
    from payments.tasks import handle_stripe_event  # the tasks module imports this one

    stuck = StripeEvent.objects.filter(
        status=StripeEvent.Status.RECEIVED, received_at__lte=timezone.now() - older_than
    ).values_list("event_id", flat=True)
    event_ids = list(stuck[:RESUME_BATCH])
    for event_id in event_ids:
        enqueue(handle_stripe_event, event_id=event_id)
    return len(event_ids)
