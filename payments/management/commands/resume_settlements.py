from django.core.management.base import BaseCommand

from payments.services.cancellations import settlements_resume_automatic


class Command(BaseCommand):
    help = (
        "Finish the cancellation-policy refunds Stripe did not complete (it was down or refused): same "
        "idempotency keys, so nothing is refunded twice. The beat schedule also runs it every 5 minutes."
    )

    def handle(self, *args, **options):
        finished, pending = settlements_resume_automatic()
        self.stdout.write(f"Finished {finished} cancellation refund(s); {pending} still pending.")
