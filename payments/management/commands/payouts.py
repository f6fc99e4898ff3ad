import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from payments.services.payouts import payout_candidate_count, payouts_run
from servizo.money import format_money


class Command(BaseCommand):
    help = (
        "Transfer every released, unpaid provider share to the provider's Stripe account: one Transfer per "
        "booking, exactly once (safe to run concurrently or again after a crash). Exits non-zero on failures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be paid; change nothing.")
        parser.add_argument("--provider", type=int, help="Only this provider (user id).")
        parser.add_argument(
            "--release-held",
            action="store_true",
            help="Staff decision: also pay this provider's shares held while they are suspended (needs --provider).",
        )

    def handle(self, *args, **options):
        provider_id = options["provider"]
        if options["release_held"] and provider_id is None:
            raise CommandError("--release-held needs --provider: held money is released one provider at a time.")
        progress = None
        if self.stdout.isatty():
            total = payout_candidate_count(provider_id=provider_id)
            done = 0

            def progress(candidate) -> None:
                nonlocal done
                done += 1
                filled = int(30 * done / max(total, 1))
                sys.stdout.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
                sys.stdout.flush()

        summary = payouts_run(
            dry_run=options["dry_run"],
            provider_id=provider_id,
            progress=progress,
            release_held=options["release_held"],
        )
        if progress is not None:
            self.stdout.write("")
        self._table(summary, dry_run=options["dry_run"])
        if summary.failures:
            for booking_id, error in summary.failures[:20]:
                self.stderr.write(f"booking {booking_id}: {error}")
            raise CommandError(f"{len(summary.failures)} transfer(s) failed; run again to retry them.")

    def _table(self, summary, *, dry_run: bool) -> None:
        users = User.objects.in_bulk(list(summary.providers) + list(summary.skipped) + list(summary.held))
        verb = "Would transfer" if dry_run else "Transferred"
        self.stdout.write(f"{'Provider':<40} {'Transfers':>10} {'Amount':>14}")
        for provider_id, line in sorted(summary.providers.items()):
            name = str(users.get(provider_id, provider_id))[:40]
            self.stdout.write(
                f"{name:<40} {line.transfers:>10} {format_money(line.amount_cents, settings.CURRENCY):>14}"
            )
        for provider_id, why in sorted(summary.skipped.items()):
            self.stdout.write(f"{str(users.get(provider_id, provider_id))[:40]:<40} {'skipped':>10}  {why}")
        for provider_id, line in sorted(summary.held.items()):
            name = str(users.get(provider_id, provider_id))[:40]
            amount = format_money(line.amount_cents, settings.CURRENCY)
            self.stdout.write(f"{name:<40} {line.transfers:>10} {amount:>14}  held: provider suspended or inactive")
        self.stdout.write(
            f"{verb} {summary.transfers} booking share(s), {format_money(summary.amount_cents, settings.CURRENCY)}, "
            f"to {len(summary.providers)} provider(s); {len(summary.skipped)} provider(s) skipped; "
            f"{len(summary.failures)} failure(s); "
            f"{format_money(summary.held_cents, settings.CURRENCY)} held for {len(summary.held)} suspended provider(s)."
        )
