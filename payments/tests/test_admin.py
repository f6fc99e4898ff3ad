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
