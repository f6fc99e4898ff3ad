import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import ProviderProfile
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from bookings.services import OFFER_TAKEN, booking_note_add, booking_transition
from bookings.tests.factories import BookingFactory
from offers.models import Offer
from offers.services import offer_update
from offers.tests.factories import OfferFactory, terms_of

S = Booking.Status


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_an_approved_provider_accepts_and_lands_on_the_booking(client, provider):
    offer = OfferFactory()
    client.force_login(provider)

    response = client.post(reverse("bookings:accept", args=[offer.pk]), {"terms_version": 1}, follow=True)

    booking = Booking.objects.get(offer=offer)
    assert response.redirect_chain[-1][0] == reverse("bookings:detail", args=[booking.pk])
    assert "You accepted the offer" in " ".join(_messages(response))
    assert "Awaiting payment" in response.content.decode()


@pytest.mark.django_db
def test_a_taken_offer_sends_the_provider_back_to_the_offer_with_the_reason(client, provider):
    offer = OfferFactory(status=Offer.Status.ACCEPTED)
    client.force_login(provider)

    response = client.post(reverse("bookings:accept", args=[offer.pk]), {"terms_version": 1})

    assert response.url == reverse("offers:detail", args=[offer.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [OFFER_TAKEN]
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_accepting_after_the_customer_changed_the_offer_shows_the_new_terms_and_books_nothing(client, provider):
    # Given a provider looking at a $120.00 offer, which the customer then lowers to $40.00
    offer = OfferFactory(price_cents=12000)
    client.force_login(provider)
    page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert '<input type="hidden" name="terms_version" value="1">' in page
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, price_cents=4000))

    # When they accept from the page they saw
    response = client.post(reverse("bookings:accept", args=[offer.pk]), {"terms_version": 1}, follow=True)

    # Then they are back on the offer, told what changed, shown the new terms with the new version
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("offers:detail", args=[offer.pk]), 302)]
    assert "The customer changed this offer since you opened it: now $40.00" in " ".join(_messages(response))
    body = response.content.decode()
    assert "Accept for $40.00" in body and "$120.00" not in body
    assert '<input type="hidden" name="terms_version" value="2">' in body
    assert not Booking.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"terms_version": ""},
        {"terms_version": "abc"},
        {"terms_version": "-1"},
        {"terms_version": "0"},
        {"terms_version": "9" * 30},
        {"terms_version": "1.5"},
    ],
)
def test_a_missing_or_garbled_terms_version_is_a_message_not_a_500(client, provider, data):
    offer = OfferFactory()
    client.force_login(provider)

    response = client.post(reverse("bookings:accept", args=[offer.pk]), data, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("offers:detail", args=[offer.pk]), 302)]
    assert "We could not tell which terms you accepted" in " ".join(_messages(response))
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_accept_is_post_only_and_for_approved_providers(client, customer):
    offer = OfferFactory()
    url = reverse("bookings:accept", args=[offer.pk])
    assert client.post(url).status_code == 302  # anonymous: to the login page

    client.force_login(ProviderFactory(status=ProviderProfile.Status.PENDING))
    assert client.post(url).status_code == 403
    client.force_login(customer)
    assert client.post(url).status_code == 403
    client.force_login(ProviderFactory())
    assert client.get(url).status_code == 405
    assert not Booking.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("outsider", [CustomerFactory, ProviderFactory])
def test_another_customer_or_provider_gets_404_on_the_page_and_the_action(client, outsider):
    booking = BookingFactory(status=S.SCHEDULED)
    client.force_login(outsider())

    assert client.get(reverse("bookings:detail", args=[booking.pk])).status_code == 404
    response = client.post(
        reverse("bookings:transition", args=[booking.pk]),
        {"to_status": S.CANCELLED, "from_status": booking.status, "note": "x"},
    )
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED


@pytest.mark.django_db
def test_the_booking_page_shows_terms_timeline_actions_and_contact_only_once_paid(client):
    booking = BookingFactory(price_cents=12345, currency="usd")
    booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=None, note="Not paid in time.")
    unpaid = BookingFactory(customer=booking.customer, provider=booking.provider, offer=booking.offer, price_cents=500)
    client.force_login(booking.customer)

    page = client.get(reverse("bookings:detail", args=[unpaid.pk])).content.decode()
    assert "$5.00" in page and "$123.45" not in page
    assert booking.provider.email not in page
    assert 'id="contact-hidden"' in page
    assert "Cancel the booking" in page

    cancelled = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert "$123.45" in cancelled
    assert booking.provider.email not in cancelled  # cancelled before payment
    assert "Servizo (automatically)" in cancelled and "Not paid in time." in cancelled
    assert 'id="booking-actions"' not in cancelled


@pytest.mark.django_db
def test_once_paid_each_party_sees_the_other_and_their_own_actions(client):
    booking = BookingFactory()
    booking_transition(booking_id=booking.pk, to_status=S.SCHEDULED, actor=None)

    client.force_login(booking.customer)
    page = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert booking.provider.email in page and booking.provider.phone in page
    assert "Cancel the booking" in page and "Reason (required)" in page
    assert "Start the job" not in page

    client.force_login(booking.provider)
    page = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert booking.customer.email in page
    assert "Start the job" in page and "Cancel the booking" in page


@pytest.mark.django_db
def test_staff_see_the_booking_read_only(client, staff_user):
    booking = BookingFactory(status=S.SCHEDULED)
    client.force_login(staff_user)

    page = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert "read-only" in page and 'id="booking-actions"' not in page
    response = client.post(
        reverse("bookings:transition", args=[booking.pk]),
        {"to_status": S.CANCELLED, "from_status": booking.status, "note": "x"},
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_party_moves_the_booking_and_a_forbidden_move_becomes_a_message(client):
    booking = BookingFactory(status=S.SCHEDULED)
    url = reverse("bookings:transition", args=[booking.pk])
    client.force_login(booking.provider)

    response = client.post(url, {"to_status": S.IN_PROGRESS, "from_status": S.SCHEDULED}, follow=True)
    assert "now in progress" in " ".join(_messages(response))
    response = client.post(url, {"to_status": S.COMPLETED, "from_status": S.IN_PROGRESS}, follow=True)
    assert "cannot be moved to completed by you" in " ".join(_messages(response))
    response = client.post(url, {"to_status": "nonsense", "from_status": S.IN_PROGRESS}, follow=True)
    assert _messages(response) == ["That action is not available."]
    response = client.post(url, {"to_status": S.PROVIDER_COMPLETED, "from_status": S.SCHEDULED}, follow=True)
    assert "changed since you opened it" in " ".join(_messages(response))
    response = client.post(url, {"to_status": S.CANCELLED, "from_status": S.IN_PROGRESS, "note": ""}, follow=True)
    assert _messages(response) == ["This booking is in progress; it cannot be moved to cancelled by you."]
    assert client.get(url).status_code == 405

    booking.refresh_from_db()
    assert booking.status == S.IN_PROGRESS
    assert booking.events.count() == 1


@pytest.mark.django_db
def test_a_cancel_made_on_an_unpaid_booking_that_was_paid_since_is_refused_and_shows_the_new_state(client):
    # Given a customer on their unpaid booking's page, with its cancel form
    booking = BookingFactory()
    url = reverse("bookings:transition", args=[booking.pk])
    client.force_login(booking.customer)
    page = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert '<input type="hidden" name="from_status" value="awaiting_payment">' in page
    # ... while their payment lands in another tab
    booking_transition(booking_id=booking.pk, to_status=S.SCHEDULED, actor=None)

    # When they cancel what they saw (an unpaid booking), with a note
    response = client.post(
        url, {"to_status": S.CANCELLED, "from_status": S.AWAITING_PAYMENT, "note": "Found someone"}, follow=True
    )

    # Then the paid booking is not cancelled and the page says what it is now
    assert response.status_code == 200
    assert _messages(response) == [
        "This booking changed since you opened it: it is now scheduled (paid, in escrow). Review it and try again."
    ]
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED
    assert '<input type="hidden" name="from_status" value="scheduled">' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("from_status", [None, "", "nonsense"])
def test_a_move_without_a_usable_from_status_is_a_message_not_a_500(client, from_status):
    booking = BookingFactory(status=S.SCHEDULED)
    client.force_login(booking.provider)
    data = {"to_status": S.IN_PROGRESS}
    if from_status is not None:
        data["from_status"] = from_status

    response = client.post(reverse("bookings:transition", args=[booking.pk]), data, follow=True)

    assert response.status_code == 200
    assert _messages(response) == ["We could not tell which state of the booking you saw. Review it and try again."]
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_the_list_filters_by_state_and_paginates_with_a_flat_query_count(
    client, customer, django_assert_max_num_queries
):
    BookingFactory.create_batch(25, offer__customer=customer, customer=customer)
    BookingFactory.create_batch(3, offer__customer=customer, customer=customer, status=S.COMPLETED)
    BookingFactory()  # someone else's
    client.force_login(customer)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("bookings:list"))
    assert len(response.context["page"].object_list) == 20
    assert response.context["page"].has_next()  # the page knows there is more without counting all 28
    assert len(client.get(reverse("bookings:list"), {"page": 2}).context["page"].object_list) == 8

    response = client.get(reverse("bookings:list"), {"status": S.COMPLETED})
    assert [b.status for b in response.context["page"].object_list] == [S.COMPLETED] * 3
    response = client.get(reverse("bookings:list"), {"status": "bogus", "page": 2})
    assert response.status_code == 200 and response.context["page"].number == 2


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_the_booking_page_query_count_does_not_grow_with_the_timeline(client, django_assert_max_num_queries):
    booking = BookingFactory(status=S.SCHEDULED)
    client.force_login(booking.customer)
    url = reverse("bookings:detail", args=[booking.pk])
    booking_transition(booking_id=booking.pk, to_status=S.IN_PROGRESS, actor=booking.provider)

    client.get(url)  # each move's notification drops the cached badge: measure on a warm cache
    with django_assert_max_num_queries(8) as short:
        client.get(url)
    for n in range(20):
        booking_note_add(booking_id=booking.pk, actor=booking.provider, note=f"Update {n}")
    client.get(url)
    with django_assert_max_num_queries(8) as longer:
        page = client.get(url).content.decode()
    booking_transition(booking_id=booking.pk, to_status=S.PROVIDER_COMPLETED, actor=booking.provider)
    booking_transition(booking_id=booking.pk, to_status=S.DISPUTED, actor=booking.customer, note="Leaks.")
    client.get(url)
    with django_assert_max_num_queries(8):  # a disputed booking reads its dispute and decisions too
        disputed = client.get(url).content.decode()

    assert len(short) == len(longer)
    assert "Update 19" in page
    assert "Marked done by provider" in disputed and "Leaks." in disputed
