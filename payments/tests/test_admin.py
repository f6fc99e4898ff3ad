import pytest
from django.urls import reverse

from bookings.models import Booking
from payments.models import Payment
from payments.selectors import booking_balance
from payments.services.payouts import payouts_run
from payments.tests.conftest import walk

pytestmark = pytest.mark.django_db
S = Booking.Status


def test_disputed_booking_is_in_the_queue_and_split_from_the_settle_form(
    client, staff_user, paid_booking, mailoutbox, django_capture_on_commit_callbacks
):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    client.force_login(staff_user)
    queue = client.get(reverse("admin:payments_bookingdecision_changelist")).content.decode()
    assert booking.title in queue and "$120.00" in queue
    url = reverse("admin:payments_bookingdecision_settle", args=[booking.pk])

    unconfirmed = client.post(url, {"decision": "split", "refund_amount": "30", "reason": "Half done"})
    assert unconfirmed.status_code == 200 and booking_balance(booking_id=booking.pk).held == 12000
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"decision": "split", "refund_amount": "30", "reason": "Half done", "confirm": "on"}
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
    client.post(response.url, {"decision": "refund_all", "reason": "Goodwill", "confirm": "on"})
    balance = booking_balance(booking_id=completed_booking.pk)
    assert (balance.refunded, balance.paid_out, balance.released_provider) == (12000, 0, 0)


def test_bad_split_amount_is_a_form_error(client, staff_user, paid_booking):
    booking = walk(paid_booking, S.CANCELLED)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:payments_bookingdecision_settle", args=[booking.pk]),
        {"decision": "split", "refund_amount": "500", "reason": "x", "confirm": "on"},
    )

    assert "below what was paid" in response.content.decode()
    assert booking_balance(booking_id=booking.pk).held == 12000


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


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3,0", "Use a dot before the cents, e.g. 12.34."),
        ("٣٠", "Enter an amount like 45 or 45.50."),
        ("9" * 5000, "Enter at most 20 characters."),
        ("30.5", "We read this as $30.50. Check it, then submit again to confirm."),
    ],
    ids=["decimal-comma", "arabic-indic", "5000-digits", "read-back"],
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
    data = {"decision": "split", "reason": "Half done", "confirm": "on"}

    first = client.post(url, {**data, "refund_amount": "30.5"})
    assert 'value="30.50"' in first.content.decode()
    response = client.post(url, {**data, "refund_amount": first.context["form"]["refund_amount"].value()})

    assert response.status_code == 302
    assert booking_balance(booking_id=booking.pk).refunded == 3050
