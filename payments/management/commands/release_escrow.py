from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from payments.services.release import escrow_auto_release


class Command(BaseCommand):
    help = (
        "Complete bookings the provider marked done more than ESCROW_AUTO_RELEASE_AFTER ago (customer neither "
        "confirmed nor disputed) and release their escrow, recording the system as the actor."
    )

    def handle(self, *args, **options):
        cutoff = timezone.now() - settings.ESCROW_AUTO_RELEASE_AFTER
        released, skipped = escrow_auto_release(cutoff=cutoff)
        self.stdout.write(f"Released {released} booking(s); {skipped} changed meanwhile and were left alone.")
