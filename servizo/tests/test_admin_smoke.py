"""Every registered model in the operator console, as a superuser, Support and Finance:
changelist, search, each filter and the change page answer, and forbidden lists are a 403."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ProviderProfile
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry, Payment, Settlement, StripeEvent, Transfer
from payments.services.payouts import payouts_run
from payments.services.settlements import settlement_create
from payments.tests.conftest import walk
from servizo.admin import admin_site

pytestmark = pytest.mark.django_db
S = Booking.Status


@pytest.fixture
def world(pay, completed_booking, staff_user):
    """One of everything: a paid-out booking partly refunded, a cancelled paid booking, an event, a pending provider."""
    payouts_run()
    settlement_create(
        booking_id=completed_booking.pk, decision="split", refund_cents=1000, reason="Late", actor=staff_user
    )
    cancelled = BookingFactory(provider=completed_booking.provider)
    pay(cancelled)
    walk(cancelled, S.CANCELLED)
    StripeEvent.objects.create(
        event_id="evt_1", type="payment_intent.succeeded", payload={}, status="failed", error="x"
    )
    ProviderFactory(status=ProviderProfile.Status.PENDING)


def _can_view(user, model) -> bool:
    opts = model._meta
    return any(user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") for action in ("view", "change"))


@pytest.mark.parametrize("role", ["staff_user", "support_user", "finance_user"])
def test_every_list_search_filter_and_change_page(request, client, world, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for model, model_admin in admin_site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = client.get(url)
        if not _can_view(user, model):
            assert response.status_code == 403, (role, url)
            continue
        assert response.status_code == 200, (role, url)
        if model_admin.search_fields:
            assert client.get(url, {"q": "a"}).status_code == 200, (role, url, "search")
        changelist = response.context["cl"]
        for spec in changelist.filter_specs:
            for choice in list(spec.choices(changelist))[1:2]:
                assert client.get(url + choice["query_string"]).status_code == 200, (role, url, choice)
        first = changelist.result_list[0] if changelist.result_list else None
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert client.get(change).status_code == 200, (role, change)


def test_the_booking_page_shows_payments_and_for_finance_the_ledger(client, world, support_user, finance_user):
    booking = Booking.objects.filter(status=S.CANCELLED).get()
    url = reverse("admin:bookings_booking_change", args=[booking.pk])

    client.force_login(finance_user)
    page = client.get(url).content.decode()
    assert "Charge into escrow" in page and "Refund all / release all / split" in page and "pi_" in page

    client.force_login(support_user)
    page = client.get(url).content.decode()
    assert "pi_" in page and "Charge into escrow" not in page


@pytest.fixture
def hundred_of_everything(db):
    """101 rows in each big list (bulk-made money rows; they only need to be listed)."""
    customer, provider = CustomerFactory(), ProviderFactory()
    bookings = [BookingFactory(provider=provider, offer__customer=customer) for _ in range(101)]
    for _ in range(101):
        ProviderFactory(status=ProviderProfile.Status.PENDING)
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(status=S.CANCELLED)
    Payment.objects.bulk_create(
        Payment(booking=b, attempt=1, status="succeeded", amount_cents=12000, currency="usd",
                payment_method_id="pm", idempotency_key=f"p{b.pk}")
        for b in bookings
    )  # fmt: skip
    LedgerEntry.objects.bulk_create(
        LedgerEntry(booking=b, provider=provider, category=b.category, kind="charge_escrow", amount_cents=12000,
                    currency="usd", idempotency_key=f"l{b.pk}")
        for b in bookings
    )  # fmt: skip
    Transfer.objects.bulk_create(
        Transfer(booking=b, provider=provider, amount_cents=9600, currency="usd", destination="acct",
                 status="failed", idempotency_key=f"t{b.pk}")
        for b in bookings
    )  # fmt: skip
    Settlement.objects.bulk_create(
        Settlement(booking=b, decision="refund_all", refund_cents=12000, currency="usd", reason="x",
                   idempotency_key=f"s{b.pk}")
        for b in bookings
    )  # fmt: skip
    StripeEvent.objects.bulk_create(StripeEvent(event_id=f"evt_{n}", type="x", payload={}) for n in range(101))


BIG_LISTS = [
    "accounts_providerprofile",
    "accounts_user",
    "offers_offer",
    "bookings_booking",
    "payments_payment",
    "payments_ledgerentry",
    "payments_transfer",
    "payments_settlement",
    "payments_stripeevent",
    "payments_bookingdecision",
]


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("name", BIG_LISTS)
def test_big_list_query_count_does_not_grow_with_the_page_size(client, staff_user, hundred_of_everything, name):
    client.force_login(staff_user)
    model_admin = next(
        a for m, a in admin_site._registry.items() if f"{m._meta.app_label}_{m._meta.model_name}" == name
    )
    url = reverse(f"admin:{name}_changelist")
    client.get(url)  # fills the per-user cache (navbar badges) the way any earlier page view does
    counts = {}
    for per_page in (10, 100):
        model_admin.list_per_page = per_page
        try:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
        finally:
            del model_admin.list_per_page
        assert response.status_code == 200 and len(response.context["cl"].result_list) == per_page
        counts[per_page] = len(queries)
    assert counts[10] == counts[100], counts


def test_staff_groups_exist_with_their_permissions():
    support, finance = Group.objects.get(name="Support"), Group.objects.get(name="Finance")
    assert support.permissions.filter(codename="review_providerprofile").exists()
    assert not support.permissions.filter(codename__in=["view_ledgerentry", "view_payoutrun"]).exists()
    assert (
        finance.permissions.filter(codename__in=["view_ledgerentry", "add_payoutrun", "change_transfer"]).count() == 3
    )
