"""Demo data for `make run`: an admin, a customer, an approved and a pending provider. Idempotent."""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import ProviderProfile, ServiceCategory, User

PASSWORD = "servizo-demo"
DEMO_USERS = [
    # email, full name, role, staff, provider status
    ("admin@servizo.local", "Ada Admin", "", True, None),
    ("customer@servizo.local", "Carla Customer", User.Role.CUSTOMER, False, None),
    ("provider@servizo.local", "Paolo Provider", User.Role.PROVIDER, False, ProviderProfile.Status.APPROVED),
    ("pending@servizo.local", "Pia Pending", User.Role.PROVIDER, False, ProviderProfile.Status.PENDING),
]


class Command(BaseCommand):
    help = "Create demo users (password 'servizo-demo') and print their credentials."

    @transaction.atomic
    def handle(self, *args, **options):
        categories = list(ServiceCategory.objects.filter(slug__in=["electrician", "plumber", "handyman"]))
        for email, name, role, staff, provider_status in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email, PASSWORD, full_name=name, role=role, is_staff=staff, is_superuser=staff, phone="+39 055 0100"
                )
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            if provider_status and not hasattr(user, "provider_profile"):
                profile = ProviderProfile.objects.create(
                    user=user,
                    city="Florence",
                    service_area="Florence and nearby towns",
                    years_experience=8,
                    bio="Demo provider.",
                    status=provider_status,
                )
                profile.categories.set(categories)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/accounts/login/"))
        for email, _name, role, staff, status in DEMO_USERS:
            label = "staff (admin at /admin/)" if staff else f"{role} {status or ''}".strip()
            self.stdout.write(f"  {email:<26} {PASSWORD}   {label}")
