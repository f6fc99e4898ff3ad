"""Money records: payment attempts, the append-only escrow ledger, Stripe events, settlements and payouts.

All amounts are integer cents plus an ISO currency code. Balances are sums over LedgerEntry
(see payments.selectors); ProviderBalance is the one maintained aggregate of them, written in the
transaction of each ledger write and checked against the sums by `audit_ledger`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceCategory
from bookings.models import Booking
from payments.stripe_gateway import card_message
from servizo.models import TimeStampedModel


class StripeCustomer(models.Model):
    """The Stripe Customer that holds a user's saved cards."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer")
    customer_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.customer_id


class SavedCard(models.Model):
    """A card the customer chose to keep for one-click payments; our table decides what is offered.

    A row is written only when a payment with "save this card" succeeds, and deleted when the customer
    removes the card (after Stripe detached it) or when a charge on it is declined.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_cards")
    payment_method_id = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class ReceiptSequence(models.Model):
    """A gap-free counter of document numbers (receipts, credit notes), one row per series and year,
    locked by the transaction that takes a number (payments.services.receipts)."""

    series = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="one_sequence_per_series_year")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last_number}"


class Payment(TimeStampedModel):
    """One attempt to charge a booking: one PaymentIntent, created with `idempotency_key`.

    The attempt row is written before Stripe is called (status CREATING); the outcome is
    recorded after. At most one attempt per booking is open at a time (see services.payment_start).
    """

    class Status(models.TextChoices):
        CREATING = "creating", _("Sent to Stripe")
        REQUIRES_ACTION = "requires_action", _("Waiting for 3-D Secure")
        PROCESSING = "processing", _("Processing")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Declined")
        CANCELED = "canceled", _("Cancelled")

    OPEN_STATUSES = (Status.CREATING, Status.REQUIRES_ACTION, Status.PROCESSING)

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments", verbose_name=_("booking"))
    attempt = models.PositiveIntegerField(verbose_name=_("attempt"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.CREATING, db_index=True, verbose_name=_("status")
    )
    amount_cents = models.PositiveIntegerField(verbose_name=_("amount cents"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    payment_method_id = models.CharField(max_length=64, verbose_name=_("payment method id"))
    card_brand = models.CharField(max_length=20, blank=True, verbose_name=_("card brand"))
    card_last4 = models.CharField(max_length=4, blank=True, verbose_name=_("card last4"))
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("card exp month"))
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("card exp year"))
    payment_intent_id = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("payment intent id"))
    charge_id = models.CharField(max_length=64, blank=True, verbose_name=_("charge id"))
    idempotency_key = models.CharField(max_length=100, unique=True, verbose_name=_("idempotency key"))
    failure_message = models.CharField(max_length=500, blank=True, verbose_name=_("failure message"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    # The customer asked to keep this card for next time (or paid with a card they had kept).
    save_card = models.BooleanField(default=False, verbose_name=_("save card"))
    # Allocated once, in the transaction that records the success (services.receipts); never reused.
    receipt_number = models.CharField(
        max_length=20, unique=True, null=True, blank=True, verbose_name=_("receipt number")
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "attempt"], name="one_payment_per_attempt"),
        ]

    @property
    def is_succeeded(self) -> bool:
        return self.status == self.Status.SUCCEEDED

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def failure_text(self) -> str:
        """Why the card was refused, in the viewer's language when it is one of Stripe's usual messages."""
        return card_message(self.failure_message)

    def __str__(self) -> str:
        return gettext("Payment %(booking)s/%(attempt)s (%(status)s)") % {
            "booking": self.booking_id,
            "attempt": self.attempt,
            "status": self.get_status_display(),
        }


class LedgerEntry(models.Model):
    """One money movement. Append-only: rows are never updated or deleted.

    Signs: CHARGE_ESCROW, REFUND, PAYOUT, REVERSAL and CHARGEBACK_* are positive. RELEASE_* are
    positive when escrow is released and negative when a later refund or lost chargeback takes
    released money back.
    Per booking: paid in = released (provider + commission) + refunded + lost to chargebacks + still held.
    CHARGEBACK_WITHDRAWN/REINSTATED record the platform's cash while a chargeback is open (outside that
    identity): withdrawn - reinstated = the amount of open and lost chargebacks (payments.services.chargebacks).
    Per provider: available = released to provider - paid out; paid out = payouts - reversals.
    `category` is the booking's, copied at write time so the revenue report groups by it without a join.
    """

    class Kind(models.TextChoices):
        CHARGE_ESCROW = "charge_escrow", _("Charge into escrow")
        RELEASE_PROVIDER = "release_provider", _("Release to provider")
        RELEASE_COMMISSION = "release_commission", _("Platform commission")
        REFUND = "refund", _("Refund to customer")
        PAYOUT = "payout", _("Payout transfer")
        REVERSAL = "reversal", _("Transfer reversal")
        CHARGEBACK_WITHDRAWN = "chargeback_withdrawn", _("Chargeback: funds withdrawn by the bank")
        CHARGEBACK_REINSTATED = "chargeback_reinstated", _("Chargeback won: funds reinstated")
        CHARGEBACK_LOST = "chargeback_lost", _("Chargeback lost: returned to the cardholder")

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("booking")
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("provider")
    )
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    kind = models.CharField(max_length=24, choices=Kind.choices, verbose_name=_("kind"))
    amount_cents = models.BigIntegerField(verbose_name=_("amount cents"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    stripe_object_id = models.CharField(max_length=64, blank=True, verbose_name=_("stripe object id"))
    idempotency_key = models.CharField(max_length=100, unique=True, verbose_name=_("idempotency key"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    # REFUND rows only: the credit note's number, taken with the row (payments.services.receipts).
    credit_note_number = models.CharField(
        max_length=20, unique=True, null=True, blank=True, verbose_name=_("credit note number")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ledger entry")
        ordering = ["created_at", "id"]
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["booking", "kind"]),
            # Per provider and kind (payouts, balances); with the rest, index-only for the top providers'
            # figures in the revenue report and the payouts page's balances.
            models.Index(fields=["provider", "kind", "currency", "created_at", "amount_cents"]),
            models.Index(fields=["kind", "booking"]),
            # Revenue report, dashboard and escrow (payments.reports): one date range per kind, index only.
            models.Index(
                fields=["currency", "kind", "created_at", "amount_cents", "category", "provider"],
                name="ledger_report_idx",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s %(amount)s %(currency)s (booking %(booking)s)") % {
            "kind": self.get_kind_display(),
            "amount": self.amount_cents,
            "currency": self.currency,
            "booking": self.booking_id,
        }

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only.")


class LedgerDaily(models.Model):
    """Maintained aggregate of the ledger: amount and row count per (day, currency, kind, category).

    Written in the same transaction as each ledger row (payments.services.rollup), never a cache:
    audit_ledger checks it against the ledger. `day` is the row's `created_at` date in TIME_ZONE, the
    day the revenue report groups by. The revenue report's periods, categories and totals read it.
    """

    day = models.DateField()
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=24, choices=LedgerEntry.Kind.choices)
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="+")
    amount_cents = models.BigIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = _("ledger daily rollup")
        constraints = [
            models.UniqueConstraint(fields=["currency", "kind", "day", "category"], name="ledger_daily_key"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.amount_cents} {self.currency} ({self.entries} rows)"


class ProviderLedgerMonthly(models.Model):
    """Maintained aggregate of the ledger per (provider, currency, kind, month): the payouts page's balances.

    Like LedgerDaily, written with each ledger row and checked by audit_ledger. Monthly, not daily:
    a provider has a few rows a day, so a daily rollup would be nearly as long as the ledger itself.
    """

    month = models.DateField(help_text=_("First day of the month, in TIME_ZONE."))
    provider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=24, choices=LedgerEntry.Kind.choices)
    amount_cents = models.BigIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = _("provider ledger monthly rollup")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "currency", "kind", "month"], name="provider_ledger_monthly_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.amount_cents} {self.currency} ({self.entries} rows)"


class ProviderBalance(models.Model):
    """A provider's money per currency, maintained by payments.services.balances (never edited by hand).

    held: the provider's share (at each booking's rate) of escrow still held on bookings in
    Booking.HOLDS_MONEY; available: released to the provider minus paid out; paid_out: payouts minus
    reversals. Equal at every commit to `selectors.provider_balances_from_ledger` (`audit_ledger` checks).
    """

    provider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="balances")
    currency = models.CharField(max_length=3)
    held_cents = models.BigIntegerField(default=0)
    available_cents = models.BigIntegerField(default=0)
    paid_out_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "currency"], name="one_balance_per_currency")]

    def __str__(self) -> str:
        return f"Balance of provider {self.provider_id} ({self.currency})"


class DecisionQueueEntry(models.Model):
    """Maintained set: one row per booking in Booking.NEEDS_DECISION that still holds escrow.

    Exactly `selectors.needs_decision_bookings()` at every commit (payments.services.decisions keeps it,
    `audit_ledger` checks it), so the dashboard counts the queue without reading every cancelled booking.
    """

    booking = models.OneToOneField(Booking, primary_key=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name_plural = _("decision queue entries")

    def __str__(self) -> str:
        return f"Booking {self.booking_id} waits for a decision"


class StripeEvent(models.Model):
    """A webhook event, stored once by its id, with how handling went."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored (cannot apply here)")
        FAILED = "failed", _("Failed (the worker retries it)")

    HANDLED = (Status.PROCESSED, Status.IGNORED)  # final: never handled again

    event_id = models.CharField(max_length=64, unique=True, verbose_name=_("event id"))
    type = models.CharField(max_length=64, db_index=True, verbose_name=_("type"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True, verbose_name=_("status")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    payload = models.JSONField(verbose_name=_("payload"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))

    class Meta:
        verbose_name = _("stripe event")
        verbose_name_plural = _("stripe events")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Settlement(TimeStampedModel):
    """A staff decision on a paid booking: refund part or all to the customer and release the rest.

    Rule: the refund goes back to the card; whatever is kept is split with the booking's
    commission rate (`split_amount(kept)`), so commission is charged only on the released part.
    If the provider was already paid more than their new share, the difference is reversed
    from their transfer.
    """

    class Decision(models.TextChoices):
        REFUND_ALL = "refund_all", _("Refund everything to the customer")
        RELEASE_ALL = "release_all", _("Release everything to the provider")
        SPLIT = "split", _("Refund part, release the rest")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending (Stripe being called)")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("booking")
    )
    decision = models.CharField(max_length=16, choices=Decision.choices, verbose_name=_("decision"))
    refund_cents = models.PositiveIntegerField(verbose_name=_("refund cents"))
    reversal_cents = models.PositiveIntegerField(default=0, verbose_name=_("reversal cents"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    reason = models.TextField(max_length=1000, verbose_name=_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor")
    )
    # Made by the cancellation policy (payments.services.cancellations), not by staff: no actor, and
    # `manage.py resume_settlements` finishes it if Stripe was down.
    automatic = models.BooleanField(default=False, verbose_name=_("automatic"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    idempotency_key = models.CharField(max_length=100, unique=True, verbose_name=_("idempotency key"))
    stripe_refund_id = models.CharField(max_length=64, blank=True, verbose_name=_("stripe refund id"))
    # The Refund's status as Stripe last reported it (pending, succeeded, failed, ...): shown on the booking page.
    refund_status = models.CharField(max_length=32, blank=True, verbose_name=_("refund status"))
    stripe_reversal_id = models.CharField(max_length=64, blank=True, verbose_name=_("stripe reversal id"))
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} on booking {self.booking_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def refund_status_label(self) -> str:
        """The refund's status at Stripe in words (Stripe's own word when it is a new one; "sent" before any)."""
        status = self.refund_status or "sent"
        return str(REFUND_STATUS_LABELS.get(status, status))


# Stripe's Refund statuses, shown on the booking page as Stripe names them, in the viewer's language.
REFUND_STATUS_LABELS = {
    "sent": pgettext_lazy("refund status", "sent"),
    "pending": pgettext_lazy("refund status", "pending"),
    "requires_action": pgettext_lazy("refund status", "requires action"),
    "succeeded": pgettext_lazy("refund status", "succeeded"),
    "failed": pgettext_lazy("refund status", "failed"),
    "canceled": pgettext_lazy("refund status", "canceled"),
}


class Chargeback(TimeStampedModel):
    """A Stripe dispute (chargeback) on a booking's charge, kept equal to Stripe's object by its webhooks.

    The money rule is in payments.services.chargebacks.
    """

    class Outcome(models.TextChoices):
        INQUIRY = "inquiry", _("Inquiry (no funds withdrawn)")
        OPEN = "open", _("Open: funds withdrawn, waiting for the bank")
        WON = "won", _("Won: funds reinstated")
        LOST = "lost", _("Lost: returned to the cardholder")

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="chargebacks", verbose_name=_("booking")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="chargebacks", verbose_name=_("payment")
    )
    stripe_dispute_id = models.CharField(max_length=64, unique=True, verbose_name=_("stripe dispute id"))
    amount_cents = models.PositiveIntegerField(verbose_name=_("amount cents"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    reason = models.CharField(max_length=64, blank=True, verbose_name=_("reason"))
    stripe_status = models.CharField(max_length=32, verbose_name=_("stripe status"))
    outcome = models.CharField(max_length=16, choices=Outcome.choices, db_index=True, verbose_name=_("outcome"))
    # The part of a lost chargeback reversed from the provider's paid-out transfer, and its Stripe id.
    reversal_cents = models.PositiveIntegerField(default=0, verbose_name=_("reversal cents"))
    stripe_reversal_id = models.CharField(max_length=64, blank=True, verbose_name=_("stripe reversal id"))

    class Meta:
        verbose_name = _("chargeback")
        verbose_name_plural = _("chargebacks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Chargeback {self.stripe_dispute_id} on booking {self.booking_id} ({self.outcome})"


class PayoutRun(models.Model):
    """One run of `manage.py payouts` and its totals."""

    started_at = models.DateTimeField(auto_now_add=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    dry_run = models.BooleanField(default=False, verbose_name=_("dry run"))
    transfers = models.PositiveIntegerField(default=0, verbose_name=_("transfers"))
    amount_cents = models.BigIntegerField(default=0, verbose_name=_("amount cents"))
    skipped = models.PositiveIntegerField(default=0, verbose_name=_("skipped"))
    failures = models.PositiveIntegerField(default=0, verbose_name=_("failures"))

    class Meta:
        verbose_name = _("payout run")
        verbose_name_plural = _("payout runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Payout run {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class Transfer(TimeStampedModel):
    """The one Stripe Transfer of a booking's provider share (unique per booking)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Sent to Stripe")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="transfer", verbose_name=_("booking")
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("provider")
    )
    run = models.ForeignKey(
        PayoutRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfer_rows", verbose_name=_("run")
    )
    amount_cents = models.PositiveIntegerField(verbose_name=_("amount cents"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    destination = models.CharField(max_length=64, verbose_name=_("destination"))
    source_transaction = models.CharField(max_length=64, blank=True, verbose_name=_("source transaction"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    stripe_transfer_id = models.CharField(max_length=64, blank=True, verbose_name=_("stripe transfer id"))
    idempotency_key = models.CharField(max_length=100, unique=True, verbose_name=_("idempotency key"))
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Transfer for booking {self.booking_id} ({self.status})"

    @property
    def transfer_group(self) -> str:
        return transfer_group_for(self.booking_id)


def transfer_group_for(booking_id: int) -> str:
    """Stripe transfer_group tying a booking's charge, transfer and reversals together."""
    return f"booking-{booking_id}"


class BookingDecision(Booking):
    """Admin queue: cancelled or disputed bookings whose escrow waits for a staff decision."""

    class Meta:
        proxy = True
        verbose_name = _("booking needing a decision")
        verbose_name_plural = _("bookings needing a decision")
