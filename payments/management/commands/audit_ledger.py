from django.core.management.base import BaseCommand, CommandError

from payments.audit import audit_problems


class Command(BaseCommand):
    help = (
        "Check every booking's ledger: money in = released + refunded + still held, nothing negative, "
        "the Stripe PaymentIntent, refunds and transfers agree (every transfer Stripe made is recorded), and no "
        "transfer row is pending longer than PAYOUT_PENDING_MAX_AGE; the ledger rollups (LedgerDaily, "
        "ProviderLedgerMonthly) and every provider's maintained balance equal the ledger. Exits non-zero on "
        "any discrepancy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-stripe", action="store_true", help="Only check the ledger itself.")

    def handle(self, *args, **options):
        problems = audit_problems(check_stripe=not options["skip_stripe"])
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} discrepancies found.")
        self.stdout.write(self.style.SUCCESS("Ledger is consistent."))
