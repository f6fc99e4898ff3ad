"""Quotes (counter-offers): sending, revising, withdrawing, declining, expiry, and the pages that show them.

Accepting a quote makes a booking: see bookings/tests/test_quote_accept.py (and its races).
"""

import datetime
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProviderProfile, User
from accounts.tests.factories import CustomerFactory, ProviderFactory
from offers.models import Offer, Quote
from offers.quote_services import (
    QuoteTerms,
    quote_decline,
    quote_send,
    quote_withdraw,
    quotes_expire_due,
)
from offers.selectors import NOT_AVAILABLE, QUOTES_SHOWN
from offers.services import TermsChanged, offer_update, offer_withdraw, offers_expire_due
from offers.tasks import expire_quotes
from offers.tests.factories import OfferFactory, quote_on, terms_of
from places.tests.factories import PRATO, ROME, PlaceFactory
from servizo.asgi import application
from servizo.exceptions import TransitionNotAllowed
from servizo.testing.explain import bad_plans

QS = Quote.Status


@pytest.mark.django_db
def test_a_matching_provider_quotes_and_the_customer_is_told_by_notice_and_email(
    provider, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.QUOTE_TTL = timedelta(hours=5)
    offer = OfferFactory(price_cents=12000)
    day = offer.preferred_date + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        quote = quote_on(offer, provider, 9950, preferred_date=day, time_window="evening", message="I have the parts.")

    quote.refresh_from_db()
    assert (quote.status, quote.price_cents, quote.preferred_date, quote.time_window) == (
        QS.PENDING,
        9950,
        day,
        "evening",
    )
    assert (quote.terms_version, quote.revision, quote.currency) == (1, 1, offer.currency)
    assert timezone.now() + timedelta(hours=4) < quote.expires_at <= timezone.now() + timedelta(hours=5)
    event = quote.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", QS.PENDING, provider)
    notice = offer.customer.notifications.get()
    assert notice.kind == "quote_received" and "$99.50" in notice.text and notice.link == f"/offers/{offer.pk}/"
    assert [mail.to for mail in mailoutbox] == [[offer.customer.email]]


@pytest.mark.django_db
def test_a_quote_never_outlives_its_offer(provider, settings):
    settings.QUOTE_TTL = timedelta(days=30)
    offer = OfferFactory()

    assert quote_on(offer, provider).expires_at == offer.expires_at


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"price_cents": 0}, "price_cents"),
        ({"price_cents": 5_000_001}, "price_cents"),
        ({"price_cents": 100, "preferred_date": datetime.date(2000, 1, 1)}, "preferred_date"),
        ({"price_cents": 100, "time_window": "midnight"}, "time_window"),
    ],
)
def test_bad_terms_are_field_errors_and_write_nothing(provider, terms, field):
    offer = OfferFactory()

    with pytest.raises(ValidationError) as error:
        quote_send(offer_id=offer.pk, provider=provider, terms_version=1, terms=QuoteTerms(**terms))

    assert field in error.value.message_dict
    assert not Quote.objects.exists()


@pytest.mark.django_db
def test_the_offers_own_terms_are_not_a_quote(provider):
    offer = OfferFactory(price_cents=12000)

    with pytest.raises(ValidationError, match="accept the offer instead"):
        quote_on(offer, provider, 12000, preferred_date=offer.preferred_date, time_window=offer.time_window)


@pytest.mark.django_db
def test_only_providers_the_matching_rule_allows_may_quote(provider):
    elsewhere = ProviderFactory(base_place=PlaceFactory(**ROME))
    suspended = ProviderFactory(status=ProviderProfile.Status.SUSPENDED)
    offer = OfferFactory()

    with pytest.raises(TransitionNotAllowed, match=NOT_AVAILABLE):
        quote_on(offer, elsewhere)
    with pytest.raises(TransitionNotAllowed):
        quote_on(offer, suspended)
    offer_withdraw(offer_id=offer.pk, customer=offer.customer)
    with pytest.raises(TransitionNotAllowed, match=NOT_AVAILABLE):
        quote_on(offer, provider)
    assert not Quote.objects.exists()


@pytest.mark.django_db
def test_a_quote_on_terms_the_customer_changed_since_is_refused(provider):
    offer = OfferFactory()
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, price_cents=15000))

    with pytest.raises(TermsChanged):
        quote_send(offer_id=offer.pk, provider=provider, terms_version=1, terms=QuoteTerms(price_cents=9000))


@pytest.mark.django_db
def test_sending_again_revises_the_one_quote_and_reopens_a_declined_one(provider):
    offer = OfferFactory()
    first = quote_on(offer, provider, 9000)
    quote_decline(quote_id=first.pk, customer=offer.customer, reason="Too dear")

    again = quote_on(offer, provider, 8000)

    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.status, again.price_cents, again.revision, again.decline_reason) == (QS.PENDING, 8000, 2, "")
    assert [(e.from_status, e.to_status) for e in again.events.all()] == [
        ("", QS.PENDING),
        (QS.PENDING, QS.DECLINED),
        (QS.DECLINED, QS.PENDING),
    ]


@pytest.mark.django_db
def test_customer_declines_with_a_reason_the_provider_reads(provider, mailoutbox, django_capture_on_commit_callbacks):
    offer = OfferFactory()
    quote = quote_on(offer, provider)

    with django_capture_on_commit_callbacks(execute=True):
        quote_decline(quote_id=quote.pk, customer=offer.customer, reason="  I found someone closer ")

    quote.refresh_from_db()
    assert (quote.status, quote.decline_reason) == (QS.DECLINED, "I found someone closer")
    notice = provider.notifications.get(kind="quote_declined")
    assert "I found someone closer" in notice.text
    assert [mail.to for mail in mailoutbox] == [[provider.email]]
    assert quote.events.last().actor == offer.customer


@pytest.mark.django_db
def test_only_the_offers_customer_declines_and_only_its_provider_withdraws(provider):
    offer = OfferFactory()
    quote = quote_on(offer, provider)

    with pytest.raises(Quote.DoesNotExist):
        quote_decline(quote_id=quote.pk, customer=CustomerFactory())
    with pytest.raises(Quote.DoesNotExist):
        quote_withdraw(quote_id=quote.pk, provider=ProviderFactory())
    quote_withdraw(quote_id=quote.pk, provider=provider)
    assert quote_withdraw(quote_id=quote.pk, provider=provider).status == QS.WITHDRAWN  # twice: a no-op
    with pytest.raises(TransitionNotAllowed, match="withdrawn"):
        quote_decline(quote_id=quote.pk, customer=offer.customer)
    assert quote.events.count() == 2


@pytest.mark.django_db
def test_a_quote_past_its_time_reads_expired_at_once_and_the_beat_records_it(provider):
    offer = OfferFactory()
    quote = quote_on(offer, provider)
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    quote.refresh_from_db()

    assert (quote.is_live, quote.display_status) == (False, "Expired")
    with pytest.raises(TransitionNotAllowed, match="expired"):
        quote_decline(quote_id=quote.pk, customer=offer.customer)
    assert quotes_expire_due(batch_size=1) == 1
    assert expire_quotes.delay().get() == 0  # the beat's task: nothing left
    quote.refresh_from_db()
    assert quote.status == QS.EXPIRED
    assert quote.events.last().actor is None


@pytest.mark.django_db
def test_closing_the_offer_closes_its_pending_quotes_and_tells_the_providers_why(provider):
    other = ProviderFactory()
    offer = OfferFactory()
    mine, theirs = quote_on(offer, provider), quote_on(offer, other)
    quote_decline(quote_id=theirs.pk, customer=offer.customer)

    offer_withdraw(offer_id=offer.pk, customer=offer.customer)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (QS.LOST, QS.DECLINED)
    assert mine.events.last().note == "The customer withdrew the offer."
    assert "withdrew the offer" in provider.notifications.get(kind="quote_lost").text


@pytest.mark.django_db
def test_offer_expiry_loses_live_quotes_and_expires_stale_ones(provider):
    other = ProviderFactory()
    offer = OfferFactory()
    live, stale = quote_on(offer, provider), quote_on(offer, other)
    now = timezone.now()
    Quote.objects.filter(pk=stale.pk).update(expires_at=now - timedelta(seconds=1))
    Quote.objects.filter(pk=live.pk).update(expires_at=now + timedelta(hours=1))  # the offer's time was cut since
    Offer.objects.filter(pk=offer.pk).update(expires_at=now - timedelta(seconds=1))

    offers_expire_due()

    assert Quote.objects.get(pk=live.pk).status == QS.LOST
    assert Quote.objects.get(pk=stale.pk).status == QS.EXPIRED
    assert not other.notifications.filter(kind="quote_lost").exists()


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_provider_sends_a_quote_from_the_offer_page_and_sees_its_status(
    client, provider, django_assert_max_num_queries
):
    offer = OfferFactory(price_cents=12000)
    client.force_login(provider)

    page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert 'id="quote-form"' in page and 'id="accept-offer"' in page
    response = client.post(
        reverse("offers:quote", args=[offer.pk]),
        {"terms_version": 1, "price_cents": "95.00", "time_window": "evening", "message": "Evenings only."},
    )

    assert response.status_code == 302
    quote = Quote.objects.get()
    assert (quote.price_cents, quote.time_window, quote.preferred_date) == (9500, "evening", None)
    # 9, as before quotes: the chat panel asks the matching rule again (the profile, its base place and its
    # categories are read once).
    with django_assert_max_num_queries(9):
        page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert 'id="my-quote-status">Pending<' in page and "$95.00" in page and 'id="withdraw-quote"' in page


@pytest.mark.django_db
def test_a_bad_quote_is_shown_again_with_its_errors(client, provider):
    offer = OfferFactory(price_cents=12000)
    client.force_login(provider)

    response = client.post(reverse("offers:quote", args=[offer.pk]), {"terms_version": 1, "price_cents": "1,2,3"})

    assert response.status_code == 200
    assert response.context["quote_form"].errors["price_cents"]
    response = client.post(reverse("offers:quote", args=[offer.pk]), {"terms_version": 1, "price_cents": "120"})
    assert "accept the offer instead" in response.content.decode()
    assert not Quote.objects.exists()


@pytest.mark.django_db
def test_quoting_on_changed_terms_shows_the_new_terms(client, provider):
    offer = OfferFactory()
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, price_cents=15000))
    client.force_login(provider)

    response = client.post(
        reverse("offers:quote", args=[offer.pk]), {"terms_version": 1, "price_cents": "90"}, follow=True
    )

    assert "changed this offer" in response.content.decode()
    assert not Quote.objects.exists()


@pytest.mark.django_db
def test_quote_urls_of_others_are_404s(client, provider):
    offer = OfferFactory()
    quote = quote_on(offer, provider)
    client.force_login(CustomerFactory())
    assert client.post(reverse("offers:quote_decline", args=[quote.pk])).status_code == 404
    assert client.get(reverse("offers:quotes", args=[offer.pk])).status_code == 404
    assert client.post(reverse("bookings:accept_quote", args=[quote.pk]), {"revision": 1}).status_code == 404
    client.force_login(ProviderFactory())
    assert client.post(reverse("offers:quote_withdraw", args=[quote.pk])).status_code == 404
    assert client.post(reverse("offers:quote", args=[offer.pk]), {"price_cents": "1"}).status_code == 200  # matches
    client.force_login(ProviderFactory(base_place=PlaceFactory(**ROME)))
    assert client.post(reverse("offers:quote", args=[offer.pk]), {"price_cents": "1"}).status_code == 404


@pytest.mark.django_db
def test_customer_declines_from_the_page(client, provider):
    offer = OfferFactory()
    quote = quote_on(offer, provider)
    client.force_login(offer.customer)

    response = client.post(reverse("offers:quote_decline", args=[quote.pk]), {"reason": "No thanks"})

    assert response.url == reverse("offers:detail", args=[offer.pk])
    quote.refresh_from_db()
    assert (quote.status, quote.decline_reason) == (QS.DECLINED, "No thanks")


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_customer_page_lists_quotes_cheapest_first_with_rating_in_flat_queries(client, django_assert_max_num_queries):
    offer = OfferFactory()
    providers = [ProviderFactory() for _ in range(QUOTES_SHOWN + 2)]
    for index, provider in enumerate(providers):
        quote_on(offer, provider, 5000 + index * 100, message=f"<b>note {index}</b>")
    client.force_login(offer.customer)
    url = reverse("offers:detail", args=[offer.pk])

    with django_assert_max_num_queries(8):
        page = client.get(url).content.decode()

    assert page.count('class="quote ') == QUOTES_SHOWN
    assert page.index("$50.00") < page.index("$51.00")
    assert "$71.00" not in page  # past the cap
    assert "Showing the 20 lowest quotes" in page
    assert "&lt;b&gt;note 0&lt;/b&gt;" in page and "No reviews yet" in page and "0 km away" in page
    with django_assert_max_num_queries(8):
        fragment = client.get(reverse("offers:quotes", args=[offer.pk])).content.decode()
    assert fragment.count('class="quote ') == QUOTES_SHOWN


@pytest.mark.django_db
def test_each_quote_shows_how_far_its_provider_is_from_the_offers_place(client):
    offer = OfferFactory()  # Florence
    near = ProviderFactory(base_place=PlaceFactory(**PRATO), service_radius_km=30)
    quote_on(offer, near, 9000)
    client.force_login(offer.customer)

    page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert '<span class="quote-distance text-body-secondary">16 km away</span>' in page


@pytest.mark.django_db
def test_a_quote_for_changed_terms_has_no_accept_button(client, provider):
    offer = OfferFactory()
    quote_on(offer, provider)
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, price_cents=15000))
    client.force_login(offer.customer)

    page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert "Sent for your earlier terms" in page and "accept-quote" not in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_a_new_quote_reaches_the_customers_open_page_live(client):
    provider = ProviderFactory()
    offer = OfferFactory()
    client.force_login(offer.customer)
    headers = [
        (b"origin", b"http://testserver"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
        assert (await communicator.connect())[0]
        await database_sync_to_async(quote_on)(offer, provider)
        messages = [await communicator.receive_json_from(timeout=3) for _ in range(2)]
        await communicator.disconnect()
        return messages

    messages = async_to_sync(scenario)()

    assert {"kind": "quotes_changed", "offer_id": offer.pk} in messages
    assert {m["kind"] for m in messages} == {"quotes_changed", "notification"}


def _bulk_quotes(offer, count: int, *, batch: str = "a") -> None:
    """`count` pending quotes on `offer` from as many new providers, in a few INSERTs."""
    prefix = f"bulk{offer.pk}{batch}-"
    User.objects.bulk_create(
        [User(email=f"{prefix}{n}@example.com", full_name=f"Pro {n}", role=User.Role.PROVIDER) for n in range(count)],
        batch_size=1000,
    )
    expires_at = timezone.now() + timedelta(hours=12)
    Quote.objects.bulk_create(
        [
            Quote(offer=offer, provider_id=pk, price_cents=5000 + n, terms_version=1, expires_at=expires_at)
            for n, pk in enumerate(User.objects.filter(email__startswith=prefix).values_list("pk", flat=True))
        ],
        batch_size=1000,
    )


def _page_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_offer_page_costs_the_same_at_30_and_3000_quotes(client):
    offer = OfferFactory()
    _bulk_quotes(offer, 30)
    _bulk_quotes(OfferFactory(), 30)  # other offers' quotes share the table
    client.force_login(offer.customer)
    url = reverse("offers:detail", args=[offer.pk])
    small = _page_queries(client, url)

    _bulk_quotes(offer, 1500, batch="b")
    _bulk_quotes(OfferFactory(), 1500)

    assert _page_queries(client, url) == small <= 8
    if connection.vendor == "mysql":  # plans are MariaDB's (production)
        with bad_plans() as found:
            client.get(url)
        assert not found, found


@pytest.mark.django_db
def test_support_reads_quotes_in_the_admin_but_cannot_change_them(client, support_user, provider):
    quote = quote_on(OfferFactory(), provider, message="Can do Tuesday")
    client.force_login(support_user)

    listing = client.get(reverse("admin:offers_quote_changelist"))
    page = client.get(reverse("admin:offers_quote_change", args=[quote.pk]))

    assert listing.status_code == 200 and str(provider) in listing.content.decode()
    assert page.status_code == 200
    assert "Can do Tuesday" in page.content.decode() and 'name="price_cents"' not in page.content.decode()
    assert client.post(reverse("admin:offers_quote_change", args=[quote.pk]), {"price_cents": 1}).status_code == 403
    assert Quote.objects.get().price_cents == quote.price_cents
