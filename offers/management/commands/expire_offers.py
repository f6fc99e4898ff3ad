from django.core.management.base import BaseCommand

from offers.services import offers_expire_due


class Command(BaseCommand):
    help = "Mark open offers past their 'open until' time as expired (run it every few minutes)."

    def handle(self, *args, **options):
        count = offers_expire_due()
        self.stdout.write(f"Expired {count} offer{'s' if count != 1 else ''}.")
