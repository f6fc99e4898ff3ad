"""Payment work done by the worker: webhook handling, detaching cards nobody kept, and the schedules
(escrow release, stuck events, unfinished cancellation refunds, audit)."""

from celery import shared_task

from payments.audit import audit_alert_finance, audit_problems
from payments.services.cancellations import settlements_resume_automatic
from payments.services.cards import card_detach
from payments.services.release import escrow_auto_release
from payments.services.webhooks import stripe_event_handle, stripe_events_resume
from servizo.tasks import ServizoTask


@shared_task(base=ServizoTask)
def handle_stripe_event(*, event_id: str) -> str:
    """Handle one stored webhook event (once: a processed or ignored event is left alone); returns its status."""
    return stripe_event_handle(event_id=event_id).status


@shared_task(base=ServizoTask)
def detach_card(*, payment_method_id: str) -> None:
    """Detach a card its owner did not keep from their Stripe customer (retried while Stripe is down)."""
    card_detach(payment_method_id=payment_method_id)


@shared_task(base=ServizoTask)
def resume_stripe_events() -> int:
    """Beat safety net: queue again the events whose handling task was never queued."""
    return stripe_events_resume()


@shared_task(base=ServizoTask)
def release_escrow() -> tuple[int, int]:
    """Beat: what `manage.py release_escrow` does."""
    return escrow_auto_release()


@shared_task(base=ServizoTask)
def resume_settlements() -> tuple[int, int]:
    """Beat: what `manage.py resume_settlements` does (cancellation refunds Stripe did not finish)."""
    return settlements_resume_automatic()


@shared_task(base=ServizoTask)
def audit_ledger() -> int:
    """Nightly: what `manage.py audit_ledger` checks; any discrepancy is emailed to Finance. Returns how many."""
    problems = audit_problems()
    if problems:
        audit_alert_finance(problems=problems)
    return len(problems)
