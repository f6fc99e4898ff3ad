from django.core.management.base import BaseCommand, CommandError

from payments.audit import balance_audit, decision_queue_audit, ledger_audit, rollup_audit


class Command(BaseCommand):
    help = (
        "Check every booking's ledger: money in = released + refunded + still held, nothing negative, "
        "the Stripe PaymentIntent, refunds and transfers agree (every transfer Stripe made is recorded), and no "
        "transfer row is pending longer than PAYOUT_PENDING_MAX_AGE; the ledger rollups (LedgerDaily, "
        "ProviderLedgerMonthly) and every provider's maintained balance equal the ledger, and the decision queue "
        "lists exactly the cancelled or disputed bookings still holding escrow. Exits non-zero on any discrepancy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-stripe", action="store_true", help="Only check the ledger itself.")

    def handle(self, *args, **options):
        problems = 0
        for booking_id, problem in ledger_audit(check_stripe=not options["skip_stripe"]):
            problems += 1
            self.stdout.write(f"booking {booking_id}: {problem}")
        for problem in rollup_audit():
            problems += 1
            self.stdout.write(f"rollup: {problem}")
        for provider_id, problem in balance_audit():
            problems += 1
            self.stdout.write(f"provider {provider_id}: {problem}")
        for booking_id, problem in decision_queue_audit():
            problems += 1
            self.stdout.write(f"booking {booking_id}: {problem}")
        if problems:
            raise CommandError(f"{problems} discrepancies found.")
        self.stdout.write(self.style.SUCCESS("Ledger is consistent."))
