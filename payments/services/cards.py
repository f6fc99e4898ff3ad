"""Saved cards: kept only when the customer asks, removable, and never offered again after a decline.

Our `SavedCard` table decides what the pay page offers (Stripe's list of attached methods is not
read): a card is kept when a payment the customer marked "save this card" succeeds
(`card_attempt_settled`, in the transaction that records the outcome); a card that is declined loses
its row there too. A card that is not kept is detached from the Stripe customer after its attempt
ends (`card_detach`, from the worker, on commit). Removing a card detaches it at Stripe first and
deletes the row only once Stripe agreed, so a failure leaves the card listed and the removal can be
retried.
"""

import logging

import stripe
from django.utils.translation import gettext as _

from accounts.models import User
from payments.models import Payment, SavedCard
from payments.stripe_gateway import stripe_client, stripe_errors
from servizo.exceptions import DomainError
from servizo.tasks import enqueue

logger = logging.getLogger(__name__)


def card_list(*, user: User) -> list[SavedCard]:
    """The cards the customer chose to keep, newest first (at most 10: more is not useful on a pay page)."""
    return list(SavedCard.objects.filter(user=user)[:10])


def card_is_saved(*, user: User, payment_method_id: str) -> bool:
    return SavedCard.objects.filter(user=user, payment_method_id=payment_method_id).exists()


def card_attempt_settled(*, payment: Payment, customer_id: int) -> None:
    """Keep or forget the card of an attempt that just ended; call in the transaction that records it.

    Succeeded with `save_card` → kept. Declined → its saved row (if any) is deleted, so it is never
    offered again. Any card not kept is detached from the Stripe customer on commit.
    """
    method_id = payment.payment_method_id
    if payment.status == Payment.Status.SUCCEEDED and payment.save_card:
        SavedCard.objects.get_or_create(
            payment_method_id=method_id,
            defaults={
                "user_id": customer_id,
                "brand": payment.card_brand,
                "last4": payment.card_last4,
                "exp_month": payment.card_exp_month,
                "exp_year": payment.card_exp_year,
            },
        )
        return
    if payment.status == Payment.Status.FAILED:
        SavedCard.objects.filter(user_id=customer_id, payment_method_id=method_id).delete()
    elif SavedCard.objects.filter(payment_method_id=method_id).exists():
        return  # a kept card used for an attempt that was cancelled: it stays
    from payments.tasks import detach_card  # the tasks module imports the services

    enqueue(detach_card, payment_method_id=method_id)


def card_detach(*, payment_method_id: str) -> None:
    """Detach a card from its Stripe customer unless it is kept (idempotent: a detached card is left alone)."""
    if SavedCard.objects.filter(payment_method_id=payment_method_id).exists():
        return
    try:
        with stripe_errors():
            stripe_client().v1.payment_methods.detach(payment_method_id)
    except stripe.InvalidRequestError:  # already detached or gone: nothing left to do
        logger.info("Card %s was already detached", payment_method_id)


def card_remove(*, user: User, card_id: int) -> SavedCard:
    """Remove one of the customer's saved cards: detach it at Stripe, then delete our row.

    Raises SavedCard.DoesNotExist for another user's card and PaymentServiceUnavailable when Stripe
    cannot be reached (the card stays listed; removing it again is safe).
    """
    card = SavedCard.objects.get(pk=card_id, user=user)
    try:
        with stripe_errors():
            stripe_client().v1.payment_methods.detach(card.payment_method_id)
    except stripe.InvalidRequestError:  # already detached at Stripe (an earlier try that we did not record)
        logger.info("Card %s was already detached; removing our row", card.payment_method_id)
    except stripe.StripeError as error:
        raise DomainError(_("Stripe did not remove this card; please try again.")) from error
    SavedCard.objects.filter(pk=card.pk).delete()
    return card
