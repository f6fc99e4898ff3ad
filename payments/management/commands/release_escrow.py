from django.core.management.base import BaseCommand

from payments.services.release import escrow_auto_release


class Command(BaseCommand):
    help = (
        "Complete bookings the provider marked done more than ESCROW_AUTO_RELEASE_AFTER ago (customer neither "
        "confirmed nor disputed) and release their escrow, recording the system as the actor."
    )

    def handle(self, *args, **options):
        released, skipped = escrow_auto_release()
        self.stdout.write(f"Released {released} booking(s); {skipped} changed meanwhile and were left alone.")
