import re

import pytest
from django.urls import reverse

from bookings.models import Booking
from payments.models import Payment
from payments.selectors import booking_balance
from payments.services.payouts import payouts_run
from payments.services.settlements import settlement_basis, settlement_create
from payments.tests.conftest import walk

pytestmark = pytest.mark.django_db
S = Booking.Status


def _basis_on(page: str) -> str:
    """The hidden basis the settle page's form carries."""
    return re.search(r'name="basis" value="([^"]*)"', page).group(1)


def test_disputed_booking_is_in_the_queue_and_split_from_the_settle_form(
    client, staff_user, paid_booking, mailoutbox, django_capture_on_commit_callbacks
):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    client.force_login(staff_user)
    queue = client.get(reverse("admin:payments_bookingdecision_changelist")).content.decode()
    assert booking.title in queue and "$120.00" in queue
    url = reverse("admin:payments_bookingdecision_settle", args=[booking.pk])
    basis = _basis_on(client.get(url).content.decode())

    unconfirmed = client.post(url, {"decision": "split", "refund_amount": "30", "reason": "Half done", "basis": basis})
    assert unconfirmed.status_code == 200 and booking_balance(booking_id=booking.pk).held == 12000
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"decision": "split", "refund_amount": "30", "reason": "Half done", "confirm": "on", "basis": basis}
        )

    assert response.status_code == 302
    balance = booking_balance(booking_id=booking.pk)
    assert (balance.refunded, balance.released_provider, balance.released_commission) == (3000, 7200, 1800)
    assert {m.to[0] for m in mailoutbox} >= {booking.customer.email, booking.provider.email}
    assert booking.title not in client.get(reverse("admin:payments_bookingdecision_changelist")).content.decode()


def test_refund_action_on_a_payment_goes_to_the_settle_form(client, staff_user, completed_booking):
    payouts_run()
    client.force_login(staff_user)
    payment = Payment.objects.get(booking=completed_booking, status="succeeded")

    response = client.post(
        reverse("admin:payments_payment_changelist"), {"action": "refund", "_selected_action": [payment.pk]}
    )

    assert response.url == reverse("admin:payments_bookingdecision_settle", args=[completed_booking.pk])
    basis = _basis_on(client.get(response.url).content.decode())
    client.post(response.url, {"decision": "refund_all", "reason": "Goodwill", "confirm": "on", "basis": basis})
    balance = booking_balance(booking_id=completed_booking.pk)
    assert (balance.refunded, balance.paid_out, balance.released_provider) == (12000, 0, 0)


def test_bad_split_amount_is_a_form_error(client, staff_user, paid_booking):
    booking = walk(paid_booking, S.CANCELLED)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:payments_bookingdecision_settle", args=[booking.pk]),
        {
            "decision": "split",
            "refund_amount": "500",
            "reason": "x",
            "confirm": "on",
            "basis": "cancelled:12000:0:0:0:0",
        },
    )

    assert "below what was paid" in response.content.decode()
    assert booking_balance(booking_id=booking.pk).held == 12000


def test_a_decision_on_figures_that_changed_since_the_page_opened_is_refused_with_the_new_ones(
    client, staff_user, paid_booking
):
    # Given a staff member on the settle page of a disputed $120.00 booking
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    client.force_login(staff_user)
    url = reverse("admin:payments_bookingdecision_settle", args=[booking.pk])
    seen = _basis_on(client.get(url).content.decode())
    # ... while a colleague refunds $30.00 of it
    settlement_create(booking_id=booking.pk, decision="split", refund_cents=3000, reason="Half", actor=staff_user)

    # When the first one refunds $30.00 on the figures they saw
    data = {"decision": "split", "refund_amount": "30", "reason": "Half done", "confirm": "on", "basis": seen}
    response = client.post(url, data)

    # Then no more money moves; the page shows the new figures and must be confirmed again on them
    assert response.status_code == 200
    page = response.content.decode()
    assert "This booking changed since you opened this page: it is now resolved" in page
    assert "refunded $30.00" in page and "paid out $0.00" in page
    booking.refresh_from_db()
    assert _basis_on(page) == settlement_basis(booking=booking, balance=booking_balance(booking_id=booking.pk))
    assert 'name="confirm"' in page and 'name="confirm" checked' not in page
    assert booking_balance(booking_id=booking.pk).refunded == 3000
    assert booking.settlements.count() == 1


@pytest.mark.parametrize("basis", [None, "x" * 201])
def test_a_settle_post_without_a_usable_basis_is_a_form_error_not_a_500(client, staff_user, paid_booking, basis):
    booking = walk(paid_booking, S.CANCELLED)
    client.force_login(staff_user)
    data = {"decision": "refund_all", "reason": "x", "confirm": "on"}
    if basis is not None:
        data["basis"] = basis

    response = client.post(reverse("admin:payments_bookingdecision_settle", args=[booking.pk]), data)

    assert response.status_code == 200
    assert "This page is out of date: reload it and decide again." in response.content.decode()
    assert booking_balance(booking_id=booking.pk).refunded == 0


def test_ledger_admin_shows_the_commission_and_is_read_only(client, staff_user, completed_booking):
    client.force_login(staff_user)

    page = client.get(reverse("admin:payments_ledgerentry_changelist")).content.decode()

    assert "Platform commission earned" in page and "$24.00" in page
    entry = completed_booking.ledger_entries.first()
    assert client.post(reverse("admin:payments_ledgerentry_delete", args=[entry.pk])).status_code == 403


def test_non_staff_cannot_settle(client, paid_booking):
    client.force_login(paid_booking.customer)

    response = client.get(reverse("admin:payments_bookingdecision_settle", args=[paid_booking.pk]))

    assert response.status_code == 302 and "login" in response.url


def test_support_decides_a_disputed_booking_but_not_a_completed_one(client, support_user, paid_booking):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    url = reverse("admin:payments_bookingdecision_settle", args=[booking.pk])
    client.force_login(support_user)

    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "refund_all", "reason": "Goodwill", "confirm": "on"}).status_code == 403
    booking_page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert url not in booking_page  # no decision link for a booking Support may not decide

    assert booking_balance(booking_id=booking.pk).refunded == 0 and not booking.settlements.exists()


def test_plain_staff_cannot_open_the_settle_page_or_use_the_refund_action(client, plain_staff, paid_booking):
    booking = walk(paid_booking, S.CANCELLED)
    client.force_login(plain_staff)

    assert client.get(reverse("admin:payments_bookingdecision_settle", args=[booking.pk])).status_code == 403
    assert not booking.settlements.exists()


def test_stripe_down_on_the_settle_page_says_what_happened_and_the_retry_button_finishes(
    client, finance_user, paid_booking, localstripe, django_capture_on_commit_callbacks
):
    """A Finance refund of a scheduled booking with Stripe stopped, then retried from the same page."""
    url = reverse("admin:payments_bookingdecision_settle", args=[paid_booking.pk])
    client.force_login(finance_user)
    basis = _basis_on(client.get(url).content.decode())
    localstripe.stop()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url, {"decision": "refund_all", "reason": "Provider ill", "confirm": "on", "basis": basis}, follow=True
            )
    finally:
        localstripe.start()

    page = response.content.decode()
    assert "Nothing has changed" not in page
    assert "Stripe could not be reached" in page and "No money has moved yet" in page
    assert f"Booking #{paid_booking.pk} was cancelled and both parties were told" in page
    assert 'id="pending-settlement"' in page and 'name="retry"' in page and 'name="decision"' not in page
    paid_booking.refresh_from_db()
    assert paid_booking.status == S.CANCELLED and booking_balance(booking_id=paid_booking.pk).refunded == 0

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"retry": "1"}, follow=True)

    assert "Done: $120.00 refunded" in done.content.decode()
    paid_booking.refresh_from_db()
    assert paid_booking.status == S.REFUNDED and booking_balance(booking_id=paid_booking.pk).refunded == 12000


def test_the_settlements_retry_action_needs_the_permission_to_decide(client, plain_staff, finance_user, paid_booking):
    from django.contrib.auth.models import Permission

    from payments.models import Settlement

    booking = walk(paid_booking, S.CANCELLED)
    settlement = Settlement.objects.create(
        booking=booking, decision="refund_all", refund_cents=12000, currency="usd", reason="r",
        actor=finance_user, idempotency_key="servizo-test-retry-1",
    )  # fmt: skip
    url = reverse("admin:payments_settlement_changelist")
    retry = {"action": "retry", "_selected_action": [settlement.pk]}
    plain_staff.user_permissions.add(Permission.objects.get(codename="view_settlement"))

    client.force_login(plain_staff)
    client.post(url, retry)
    assert Settlement.objects.get().status == Settlement.Status.PENDING  # the action is not offered to them

    client.force_login(finance_user)
    response = client.post(url, retry, follow=True)
    assert "Done: $120.00 refunded" in response.content.decode()
    assert Settlement.objects.get().status == Settlement.Status.SUCCEEDED


def test_the_refund_action_tells_support_a_completed_booking_is_for_finance(client, support_user, completed_booking):
    client.force_login(support_user)
    payment = Payment.objects.get(booking=completed_booking, status="succeeded")

    response = client.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "refund", "_selected_action": [payment.pk]},
        follow=True,
    )

    assert f"Booking #{completed_booking.pk} is completed: Finance decides it." in response.content.decode()
    assert not completed_booking.settlements.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3,0", "Use a dot before the cents, e.g. 12.34."),
        ("9" * 5000, "Enter at most 20 characters."),
        ("30.5", "We read this as $30.50. Check it, then submit again to confirm."),
    ],
    ids=["decimal-comma", "5000-digits", "read-back"],
)
def test_split_amount_is_parsed_strictly_and_read_back_before_refunding(
    client, staff_user, paid_booking, typed, message
):
    booking = walk(paid_booking, S.CANCELLED)
    client.force_login(staff_user)
    url = reverse("admin:payments_bookingdecision_settle", args=[booking.pk])

    response = client.post(url, {"decision": "split", "refund_amount": typed, "reason": "x", "confirm": "on"})

    assert response.context["form"].errors["refund_amount"] == [message]
    assert booking_balance(booking_id=booking.pk).held == 12000


def test_split_amount_shown_back_is_refunded_when_submitted_again(client, staff_user, paid_booking):
    booking = walk(paid_booking, S.CANCELLED)
    client.force_login(staff_user)
    url = reverse("admin:payments_bookingdecision_settle", args=[booking.pk])
    basis = _basis_on(client.get(url).content.decode())
    data = {"decision": "split", "reason": "Half done", "confirm": "on", "basis": basis}

    first = client.post(url, {**data, "refund_amount": "30.5"})
    assert 'value="30.50"' in first.content.decode()
    response = client.post(url, {**data, "refund_amount": first.context["form"]["refund_amount"].value()})

    assert response.status_code == 302
    assert booking_balance(booking_id=booking.pk).refunded == 3050
