"""Demo data for `make run`: staff of each role, a customer with open offers, an approved and a pending
provider. Idempotent: running it again changes nothing that is already there.

It spans the apps, so it lives in the console app (above every app). Users are made the way signup makes
them (Django's `create_user` plus a verified allauth address); provider applications and their approval go
through `accounts.services`, offers through `offers.services` (so they get their events and feeds).
"""

import datetime
from itertools import cycle

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import ProviderProfile, ServiceCategory, User
from accounts.services import provider_profile_create, provider_transition
from offers.services import OfferTerms, offer_create
from places.loader import FLORENCE, place_by_geoname_id
from servizo.roles import FINANCE, SUPPORT

PASSWORD = "servizo-demo"
APPROVED, PENDING = ProviderProfile.Status.APPROVED, ProviderProfile.Status.PENDING
DEMO_USERS = [
    # email, full name, role, superuser, staff group, provider status
    ("admin@servizo.local", "Ada Admin", "", True, None, None),
    ("support@servizo.local", "Sam Support", "", False, SUPPORT, None),
    ("finance@servizo.local", "Fran Finance", "", False, FINANCE, None),
    ("customer@servizo.local", "Carla Customer", User.Role.CUSTOMER, False, None, None),
    ("provider@servizo.local", "Paolo Provider", User.Role.PROVIDER, False, None, APPROVED),
    ("pending@servizo.local", "Pia Pending", User.Role.PROVIDER, False, None, PENDING),
]
DEMO_PLACES = [FLORENCE, 3169921]  # GeoNames ids: Florence (the provider's base, 30 km), Prato (16 km away)
DEMO_OFFERS = [
    # category slug, title, description, days ahead, price in cents
    ("electrician", "Kitchen lights flicker", "Two ceiling lights flicker and one socket is dead.", 3, 9500),
    ("plumber", "Dripping bathroom tap", "The hot tap drips all night; the washer may be worn.", 5, 6000),
]


class Command(BaseCommand):
    help = "Create demo users (password 'servizo-demo') and offers, and print the credentials."

    @transaction.atomic
    def handle(self, *args, **options):
        # The demo's places, from the packaged dataset (`make run` loads every place first).
        places = [place_by_geoname_id(geoname_id) for geoname_id in DEMO_PLACES]
        users = {row[0]: self._user(*row) for row in DEMO_USERS}
        admin = users["admin@servizo.local"]
        for email, *_, provider_status in DEMO_USERS:
            if provider_status:
                self._provider(users[email], provider_status, reviewer=admin)
        customer = users["customer@servizo.local"]
        if not customer.offers.exists():
            for (slug, title, description, days, price), place in zip(DEMO_OFFERS, cycle(places), strict=False):
                terms = OfferTerms(
                    category=ServiceCategory.objects.get(slug=slug),
                    title=title,
                    description=description,
                    address="Via dei Servi 12",
                    place=place,
                    preferred_date=timezone.localdate() + datetime.timedelta(days=days),
                    time_window="morning",
                    price_cents=price,
                )
                offer_create(customer=customer, terms=terms)

        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /accounts/login/ with:"))
        for email, _name, role, superuser, group, status in DEMO_USERS:
            label = "superuser (/admin/)" if superuser else f"staff: {group}" if group else f"{role} {status or ''}"
            self.stdout.write(f"  {email:<26} {PASSWORD}   {label.strip()}")

    def _user(self, email, name, role, superuser, group, _provider_status) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                PASSWORD,
                full_name=name,
                role=role,
                is_staff=bool(superuser or group),
                is_superuser=superuser,
                phone="+39 055 0100",
            )
            if group:
                user.groups.add(Group.objects.get(name=group))
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _provider(self, user: User, status: str, *, reviewer: User) -> None:
        """A provider application, approved by the demo admin when `status` says so."""
        if hasattr(user, "provider_profile"):
            return
        profile = provider_profile_create(
            user=user,
            base_place=place_by_geoname_id(DEMO_PLACES[0]),
            service_radius_km=30,
            service_area="Florence and nearby towns",
            categories=ServiceCategory.objects.filter(slug__in=["electrician", "plumber", "handyman"]),
            years_experience=8,
            bio="Licensed electrician and plumber; tidy, on time, happy to explain the work.",
            document=None,
        )
        if status != profile.status:
            provider_transition(profile_id=profile.pk, to_status=status, actor=reviewer)
