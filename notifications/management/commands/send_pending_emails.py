from django.core.management.base import BaseCommand

from notifications.outbox import emails_send_pending


class Command(BaseCommand):
    help = "Retry emails whose earlier send failed and are due again (safe to re-run; run every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many emails per run.")

    def handle(self, *args, limit: int, **options):
        sent, failing = emails_send_pending(limit=limit)
        self.stdout.write(f"Sent {sent} pending email(s); {failing} failed again and wait for a later retry.")
