"""The status tables of Payment, Transfer and Settlement, and their transition functions.

Every move is made by the system on what Stripe said (the outcome of a call, a webhook, a payout
run), so the tables name no other role. There is no event table: each row records its own outcome
(`paid_at`, `updated_at`, `error`, the Stripe ids) and the append-only ledger records every money
movement with its Stripe id (see servizo.transitions). Each function runs inside
`transaction.atomic()` on a row the caller has locked (`bookings.locks` gives the order).
"""

from collections.abc import Mapping
from typing import Any

from payments.models import Payment, Settlement, Transfer
from servizo.transitions import StatusMachine, transition

SYSTEM = "system"
P = Payment.Status
T = Transfer.Status

_ONLY_SYSTEM = frozenset({SYSTEM})

# An open attempt moves to any other state Stripe reports; a failed or cancelled one can still be
# reported paid (Stripe's later word wins); a paid one never moves again.
PAYMENT_MACHINE = StatusMachine(
    moves={
        **{(frm, to): _ONLY_SYSTEM for frm in Payment.OPEN_STATUSES for to in P.values if to != frm},
        (P.FAILED, P.SUCCEEDED): _ONLY_SYSTEM,
        (P.CANCELED, P.SUCCEEDED): _ONLY_SYSTEM,
    },
    refusal=lambda payment, to: f"Payment {payment.pk} is {payment.status}; it cannot become {to}.",
    timestamps={P.SUCCEEDED: "paid_at"},
)

# A transfer Stripe refused gets a new attempt (pending again, with a new key); a paid one is final.
TRANSFER_MACHINE = StatusMachine(
    moves={
        (T.PENDING, T.PAID): _ONLY_SYSTEM,
        (T.PENDING, T.FAILED): _ONLY_SYSTEM,
        (T.FAILED, T.PENDING): _ONLY_SYSTEM,
    },
    refusal=lambda transfer, to: (
        f"The transfer for booking {transfer.booking_id} is {transfer.status}; it cannot become {to}."
    ),
)

# A decision waits (pending) until Stripe has done its part, then is recorded once. A decision Stripe
# refuses stays pending with its error, for a retry with the same keys, so nothing enters `failed`.
SETTLEMENT_MACHINE = StatusMachine(
    moves={(Settlement.Status.PENDING, Settlement.Status.SUCCEEDED): _ONLY_SYSTEM},
    refusal=lambda settlement, to: f"Settlement {settlement.pk} is {settlement.status}; it cannot become {to}.",
)


def payment_transition(*, payment: Payment, to_status: str, fields: Mapping[str, Any] | None = None) -> None:
    """Move a locked payment attempt to `to_status`, writing `fields` with it (TransitionNotAllowed if not allowed)."""
    transition(PAYMENT_MACHINE, payment, to_status=to_status, role=SYSTEM, fields=fields)


def transfer_transition(*, transfer: Transfer, to_status: str, fields: Mapping[str, Any] | None = None) -> None:
    """Move a locked transfer row to `to_status`, writing `fields` with it (TransitionNotAllowed if not allowed)."""
    transition(TRANSFER_MACHINE, transfer, to_status=to_status, role=SYSTEM, fields=fields)


def settlement_transition(*, settlement: Settlement, to_status: str, fields: Mapping[str, Any] | None = None) -> None:
    """Move a locked settlement to `to_status`, writing `fields` with it (TransitionNotAllowed if not allowed)."""
    transition(SETTLEMENT_MACHINE, settlement, to_status=to_status, role=SYSTEM, fields=fields)
