from django.core.management.base import BaseCommand

from bookings.services import bookings_expire_unpaid


class Command(BaseCommand):
    help = "Cancel bookings left unpaid past their pay-by time and reopen their offers (safe to re-run)."

    def handle(self, *args, **options):
        cancelled, skipped = bookings_expire_unpaid()
        self.stdout.write(f"Cancelled {cancelled} unpaid booking(s); {skipped} skipped (paid or changed meanwhile).")
