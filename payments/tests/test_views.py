import pytest
from django.urls import reverse

from accounts.tests.factories import CustomerFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import Payment, Settlement, StripeCustomer
from payments.services.checkout import card_setup_create
from payments.stripe_gateway import stripe_client
from payments.tests.conftest import DECLINED_WHEN_CHARGED, THREE_D_SECURE, browser_confirm_setup, walk

pytestmark = pytest.mark.django_db
S = Booking.Status


def saved_setup(localstripe, user, number) -> str:
    secret = card_setup_create(user=user)
    assert browser_confirm_setup(localstripe.base_url, secret, number).ok
    return secret.split("_secret_")[0]


def test_pay_page_shows_the_booking_the_card_form_and_mock_stripe_js(client, localstripe):
    booking = BookingFactory()
    client.force_login(booking.customer)

    response = client.get(reverse("payments:pay", args=[booking.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert booking.title in body and "$120.00" in body and 'id="card-element"' in body
    assert f"{localstripe.base_url}/js.stripe.com/v3/" in body
    assert reverse("payments:card_setup", args=[booking.pk]) in body  # the form asks for a SetupIntent on submit


def test_loading_the_pay_page_writes_nothing_here_or_at_stripe(client, localstripe):
    """GET is read-only: no Stripe customer, no SetupIntent, no sync of an open attempt."""
    booking = BookingFactory()
    client.force_login(booking.customer)
    setup = saved_setup(localstripe, booking.customer, THREE_D_SECURE)
    client.post(reverse("payments:pay", args=[booking.pk]), {"setup_intent": setup})
    intents_before = stripe_client().v1.setup_intents.list({"limit": 100}).data
    payment = booking.payments.get()
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.PROCESSING)  # stale on purpose
    other = BookingFactory()
    client.force_login(other.customer)

    client.get(reverse("payments:pay", args=[other.pk]))
    client.force_login(booking.customer)
    client.get(reverse("payments:pay", args=[booking.pk]))

    assert not StripeCustomer.objects.filter(user=other.customer).exists()
    assert len(stripe_client().v1.setup_intents.list({"limit": 100}).data) == len(intents_before)
    assert booking.payments.get().status == Payment.Status.PROCESSING  # not synced by a page view


def test_card_setup_gives_a_fresh_setup_intent_to_the_bookings_customer_only(client, localstripe):
    booking = BookingFactory()
    url = reverse("payments:card_setup", args=[booking.pk])
    client.force_login(CustomerFactory())
    assert client.post(url).status_code == 404
    client.force_login(booking.customer)
    assert client.get(url).status_code == 405

    first, second = client.post(url).json(), client.post(url).json()

    assert "_secret_" in first["client_secret"] and first["client_secret"] != second["client_secret"]
    assert StripeCustomer.objects.filter(user=booking.customer).count() == 1


def test_card_setup_says_why_when_it_cannot(client, localstripe):
    booking = BookingFactory()
    client.force_login(booking.customer)
    url = reverse("payments:card_setup", args=[booking.pk])
    localstripe.stop()
    down = client.post(url)
    localstripe.start()
    Booking.objects.filter(pk=booking.pk).update(status=S.CANCELLED)
    done = client.post(url)

    assert down.status_code == 503 and "payment service is unavailable" in down.json()["error"]
    assert done.status_code == 409 and done.json() == {"error": "This booking is not waiting for payment."}


@pytest.mark.parametrize("who", ["other_customer", "provider", "anonymous"])
def test_pay_page_is_only_for_the_bookings_customer(client, who, localstripe):
    booking = BookingFactory()
    if who == "other_customer":
        client.force_login(CustomerFactory())
    elif who == "provider":
        client.force_login(booking.provider)

    response = client.get(reverse("payments:pay", args=[booking.pk]))

    assert response.status_code == {"other_customer": 404, "provider": 403, "anonymous": 302}[who]


def test_new_card_payment_redirects_to_the_return_page_and_schedules(client, localstripe):
    booking = BookingFactory()
    client.force_login(booking.customer)
    setup = saved_setup(localstripe, booking.customer, "4242424242424242")

    response = client.post(reverse("payments:pay", args=[booking.pk]), {"setup_intent": setup}, follow=True)

    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED
    assert "Payment received" in response.content.decode()
    assert 'id="payment-done"' in response.content.decode()


def test_declined_card_shows_stripes_message_and_stays_payable(client, localstripe):
    booking = BookingFactory()
    client.force_login(booking.customer)
    setup = saved_setup(localstripe, booking.customer, DECLINED_WHEN_CHARGED)

    response = client.post(reverse("payments:pay", args=[booking.pk]), {"setup_intent": setup}, follow=True)

    body = response.content.decode()
    assert "Your card was declined." in body
    assert 'id="card-element"' in body  # payable again
    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT


def test_three_d_secure_page_runs_the_authentication_step(client, localstripe):
    booking = BookingFactory()
    client.force_login(booking.customer)
    setup = saved_setup(localstripe, booking.customer, THREE_D_SECURE)

    response = client.post(reverse("payments:pay", args=[booking.pk]), {"setup_intent": setup})

    assert response.status_code == 200
    assert response.context["action_secret"].startswith(booking.payments.get().payment_intent_id)
    assert 'id="payment-authenticating"' in response.content.decode()


def test_forged_return_url_marks_nothing_paid(client, localstripe):
    booking = BookingFactory()
    client.force_login(booking.customer)
    setup = saved_setup(localstripe, booking.customer, THREE_D_SECURE)
    client.post(reverse("payments:pay", args=[booking.pk]), {"setup_intent": setup})

    forged = client.get(reverse("payments:pay_return", args=[booking.pk]) + "?redirect_status=succeeded&paid=1")
    client.post(reverse("payments:pay_return", args=[booking.pk]) + "?redirect_status=succeeded&paid=1")

    assert forged.status_code == 405  # the return is posted by the page, never a link
    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT
    assert booking.payments.get().status == Payment.Status.REQUIRES_ACTION


def test_saved_card_pays_in_one_click(client, localstripe, kept_card):
    booking = BookingFactory()
    method = kept_card(booking.customer).payment_method_id
    client.force_login(booking.customer)
    page = client.get(reverse("payments:pay", args=[booking.pk]))
    assert "•••• 4242" in page.content.decode()

    client.post(reverse("payments:pay", args=[booking.pk]), {"payment_method": method})

    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED


def test_stripe_down_shows_a_clear_message_and_changes_nothing(client, localstripe, kept_card):
    booking = BookingFactory()
    method = kept_card(booking.customer).payment_method_id
    client.force_login(booking.customer)
    localstripe.stop()

    page = client.get(reverse("payments:pay", args=[booking.pk]))  # reads only our rows: still works
    response = client.post(reverse("payments:pay", args=[booking.pk]), {"payment_method": method}, follow=True)

    assert "•••• 4242" in page.content.decode()
    assert "payment service is unavailable" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT and not booking.payments.exists()
    localstripe.start()
    client.post(reverse("payments:pay", args=[booking.pk]), {"payment_method": method})
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED


def test_pay_form_needs_exactly_one_card_choice(client, localstripe):
    booking = BookingFactory()
    client.force_login(booking.customer)

    response = client.post(reverse("payments:pay", args=[booking.pk]), {}, follow=True)

    assert "Choose a saved card or enter a new one." in response.content.decode()


@pytest.mark.usefixtures("no_page_cache")
def test_earnings_page_shows_held_available_paid_and_the_80_20_lines(
    client, pay, connected_provider, completed_booking, django_assert_max_num_queries
):
    from payments.services.payouts import payouts_run

    payouts_run()
    for _ in range(3):
        pay(BookingFactory(provider=connected_provider))
    client.force_login(connected_provider)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("payments:earnings"))

    body = response.content.decode()
    assert response.context["balance"].held == 3 * 9600
    assert response.context["balance"].paid_out == 9600
    assert "$96.00" in body and "$24.00" in body and "paid out" in body and "held" in body


def test_history_and_receipt_for_the_customer_only(client, paid_booking, staff_user):
    from payments.services.settlements import settlement_create

    walk(paid_booking, S.CANCELLED)
    settlement_create(
        booking_id=paid_booking.pk, decision=Settlement.Decision.SPLIT, refund_cents=2000, reason="x", actor=staff_user
    )
    client.force_login(paid_booking.customer)

    history = client.get(reverse("payments:history")).content.decode()
    receipt = client.get(reverse("payments:receipt", args=[paid_booking.pk])).content.decode()

    assert paid_booking.title in history and "$120.00" in history and "$20.00" in history
    assert "•••• 4242" in receipt and "$100.00" in receipt
    client.force_login(CustomerFactory())
    assert client.get(reverse("payments:receipt", args=[paid_booking.pk])).status_code == 404


def test_connect_sends_the_provider_to_onboarding_and_back(client, provider, localstripe):
    import requests

    client.force_login(provider)

    response = client.post(reverse("payments:connect"))

    assert response.status_code == 302 and "/_config/connect/onboarding/" in response.url
    onboarding = requests.post(response.url, allow_redirects=False, timeout=5)
    assert onboarding.headers["Location"] == "http://testserver/payments/connect/return/"
    back = client.get(reverse("payments:connect_return"), follow=True)
    provider.provider_profile.refresh_from_db()
    assert provider.provider_profile.payouts_enabled
    assert "Payouts are set up" in back.content.decode()


def test_dashboard_panels_and_nav(client, paid_booking, localstripe):
    unpaid = BookingFactory(offer__customer=paid_booking.customer)
    client.force_login(paid_booking.customer)
    customer_page = client.get(reverse("dashboard")).content.decode()
    client.force_login(paid_booking.provider)
    provider_page = client.get(reverse("dashboard")).content.decode()

    assert reverse("payments:pay", args=[unpaid.pk]) in customer_page
    assert reverse("payments:history") in customer_page
    assert 'id="earnings-panel"' in provider_page and "$96.00" in provider_page
    assert reverse("payments:earnings") in provider_page


def test_booking_panel_links_to_the_pay_page(rf, localstripe):
    from django.template.loader import render_to_string

    booking = BookingFactory()

    html = render_to_string("payments/_booking_panel.html", {"booking": booking, "user": booking.customer})

    assert reverse("payments:pay", args=[booking.pk]) in html and "Not paid yet" in html


@pytest.mark.usefixtures("no_page_cache")
def test_history_query_count_does_not_grow_with_payments(client, pay, customer, django_assert_max_num_queries):
    for _ in range(3):
        pay(BookingFactory(offer__customer=customer))
    client.force_login(customer)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("payments:history"))

    assert len(response.context["page"].object_list) == 3
