"""Staff roles: what Support and Finance may see and do in the operator console."""

import pytest
from django.urls import reverse

from accounts.models import ProviderProfile
from accounts.tests.factories import ProviderFactory
from payments.models import PayoutRun, Transfer

pytestmark = pytest.mark.django_db


def test_support_cannot_see_the_ledger_report_or_payouts(client, support_user, completed_booking):
    client.force_login(support_user)

    for name in ("admin:payments_ledgerentry_changelist", "admin:revenue_report", "admin:payouts"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("admin:payouts")).status_code == 403
    assert not PayoutRun.objects.exists()
    index = client.get(reverse("admin:index")).content.decode()
    assert "Escrow held" not in index and "Providers awaiting approval" in index


def test_support_approves_a_provider_but_finance_may_not(client, support_user, finance_user):
    pending = ProviderFactory(status=ProviderProfile.Status.PENDING).provider_profile
    url = reverse("admin:accounts_providerprofile_changelist")
    approve = {"action": "approve", "_selected_action": [pending.pk]}

    client.force_login(finance_user)
    page = client.post(url, approve)  # the action is not offered: Django answers with the list, unchanged
    pending.refresh_from_db()
    assert pending.status == ProviderProfile.Status.PENDING and page.status_code == 200
    assert b'value="approve"' not in client.get(url).content

    client.force_login(support_user)
    client.post(url, approve)
    pending.refresh_from_db()
    assert pending.status == ProviderProfile.Status.APPROVED


def test_finance_runs_a_dry_run_from_the_payouts_page(client, finance_user, completed_booking):
    client.force_login(finance_user)

    page = client.post(reverse("admin:payouts")).content.decode()

    assert "would transfer $96.00 in 1 transfer</h2>" in page and completed_booking.provider.email in page
    assert "manage.py payouts" in page
    run = PayoutRun.objects.get()
    assert run.dry_run and not Transfer.objects.exists()
    assert client.get(reverse("admin:payments_ledgerentry_changelist")).status_code == 200


def test_each_console_action_declares_its_permission():
    from servizo.admin import admin_site

    for model, model_admin in admin_site._registry.items():
        for name in model_admin.actions or []:
            action = getattr(model_admin, name) if isinstance(name, str) else name
            assert getattr(action, "allowed_permissions", None), f"{model.__name__}.{name} declares no permission"


def _failed_payout_retry(pay) -> tuple:
    """A completed booking whose payout Stripe refused (onboarding unfinished), onboarding then finished:
    the booking, the transfers list URL and the POST data of its Retry action."""
    import requests

    from bookings.models import Booking
    from bookings.tests.factories import BookingFactory
    from payments.services.connect import connect_onboarding_link
    from payments.services.payouts import payouts_run
    from payments.tests.conftest import walk

    provider = ProviderFactory()
    onboarding = connect_onboarding_link(provider=provider, refresh_url="http://t/r", return_url="http://t/ok")
    ProviderProfile.objects.filter(user=provider).update(payouts_enabled=True)
    booking = BookingFactory(provider=provider)
    pay(booking)
    walk(booking, Booking.Status.IN_PROGRESS, Booking.Status.PROVIDER_COMPLETED, Booking.Status.COMPLETED)
    payouts_run()
    failed = Transfer.objects.get(status=Transfer.Status.FAILED)
    requests.post(onboarding, allow_redirects=False, timeout=5)
    url = reverse("admin:payments_transfer_changelist")
    retry = {"action": "retry", "_selected_action": [failed.pk]}
    return booking, url, retry


def test_finance_retries_a_failed_payout_from_the_transfers_list_and_support_cannot(
    client, pay, localstripe, finance_user, support_user
):
    """Stripe refuses the first transfer (onboarding unfinished); once finished, the admin action pays it."""
    _booking, url, retry = _failed_payout_retry(pay)

    client.force_login(support_user)
    assert client.post(url, retry).status_code == 403  # Support may not even list transfers

    client.force_login(finance_user)
    response = client.post(url, retry, follow=True)

    assert "paid $96.00" in response.content.decode()
    assert Transfer.objects.get().status == Transfer.Status.PAID


def test_the_console_pages_are_in_the_app_list_for_finance_only(client, finance_user, support_user):
    client.force_login(finance_user)
    page = client.get(reverse("admin:payments_payment_changelist")).content.decode()
    assert reverse("admin:revenue_report") in page and reverse("admin:payouts") in page

    client.force_login(support_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:revenue_report") not in page and reverse("admin:payouts") not in page


def test_support_reads_a_bookings_conversation_from_its_admin_page_and_the_read_is_logged(client, support_user):
    from chat.models import ConversationAccess
    from chat.tests.factories import ConversationFactory, MessageFactory

    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, sender=conversation.customer, text="The tap still leaks.")
    client.force_login(support_user)

    booking_page = client.get(reverse("admin:bookings_booking_change", args=[conversation.booking_id]))
    conversation_url = reverse("admin:chat_conversation_change", args=[conversation.pk])
    assert booking_page.status_code == 200 and conversation_url in booking_page.content.decode()

    page = client.get(conversation_url)

    assert page.status_code == 200 and "The tap still leaks." in page.content.decode()
    assert ConversationAccess.objects.filter(conversation=conversation, staff=support_user).count() == 1


def test_every_role_permission_exists():
    from django.contrib.auth.models import Permission

    from servizo.roles import ROLE_PERMISSIONS

    for codes in ROLE_PERMISSIONS.values():
        for code in codes:
            app_label, codename = code.split(".")
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), code


def test_opening_a_conversation_without_permission_logs_no_read(client, plain_staff):
    from django.contrib.auth.models import Permission

    from chat.models import ConversationAccess
    from chat.tests.factories import ConversationFactory, MessageFactory

    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, sender=conversation.customer, text="The tap still leaks.")
    url = reverse("admin:chat_conversation_change", args=[conversation.pk])
    client.force_login(plain_staff)

    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:chat_conversation_change", args=[999999])).status_code in (302, 403)
    assert not ConversationAccess.objects.exists()

    # Allowed to see the conversation row but not its messages: nothing was read, nothing logged.
    plain_staff.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    page = client.get(url)
    assert page.status_code == 200 and "The tap still leaks." not in page.content.decode()
    assert not ConversationAccess.objects.exists()

    plain_staff.user_permissions.add(Permission.objects.get(codename="view_message"))
    page = client.get(url)
    assert "The tap still leaks." in page.content.decode()
    assert ConversationAccess.objects.filter(conversation=conversation, staff=plain_staff).count() == 1


def test_payout_retry_with_stripe_unreachable_says_it_is_pending_and_the_next_retry_pays_once(
    client, pay, localstripe, finance_user, settings
):
    """The payout retry action with Stripe's address on a closed port, then again once Stripe is back."""
    import socket

    from payments.stripe_gateway import stripe_client

    booking, url, retry = _failed_payout_retry(pay)
    client.force_login(finance_user)
    up = settings.STRIPE_API_BASE
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{sock.getsockname()[1]}"

    page = client.post(url, retry, follow=True).content.decode()

    assert "Nothing has changed" not in page
    assert "Stripe could not be reached; this payout stays pending" in page and "without paying twice" in page
    assert Transfer.objects.get().status == Transfer.Status.PENDING

    settings.STRIPE_API_BASE = up
    page = client.post(url, retry, follow=True).content.decode()

    assert "paid $96.00" in page
    assert Transfer.objects.get().status == Transfer.Status.PAID
    made = stripe_client().v1.transfers.list({"transfer_group": f"booking-{booking.pk}", "limit": 100}).data
    assert len(made) == 1
