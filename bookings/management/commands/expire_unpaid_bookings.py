from django.core.management.base import BaseCommand

from bookings.selectors import booking_ids_unpaid_overdue
from bookings.services import booking_expire_unpaid


class Command(BaseCommand):
    help = "Cancel bookings left unpaid past their pay-by time and reopen their offers (safe to re-run)."

    def handle(self, *args, **options):
        candidates = booking_ids_unpaid_overdue()
        # One transaction per booking (see booking_expire_unpaid): a failure or a payment
        # landing meanwhile affects only that booking.
        cancelled = sum(booking_expire_unpaid(booking_id=booking_id) for booking_id in candidates)
        skipped = len(candidates) - cancelled
        self.stdout.write(f"Cancelled {cancelled} unpaid booking(s); {skipped} skipped (paid or changed meanwhile).")
