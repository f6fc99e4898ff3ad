from django.core.management.base import BaseCommand, CommandError

from bookings.audit import status_counts_audit


class Command(BaseCommand):
    help = "Check every party's maintained booking status counts against their bookings. Exits non-zero on a mismatch."

    def handle(self, *args, **options):
        problems = status_counts_audit()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} booking count row(s) differ from the bookings.")
        self.stdout.write("Booking status counts match the bookings.")
