import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ServiceCategory, User
from accounts.tests.factories import CategoryFactory, CustomerFactory, ProviderFactory
from bookings.tests.factories import BookingFactory
from offers.models import Offer, OfferDecline
from offers.services import offer_update
from offers.tests.factories import OfferFactory, terms_of
from places.tests.factories import PlaceFactory, milan

pytestmark = pytest.mark.django_db


def _form_data(**overrides) -> dict:
    """A valid offer form as the typeahead sends it (the place's id), past the no-provider warning."""
    return {
        "category": ServiceCategory.objects.get(slug="electrician").pk,
        "title": "Replace a light switch",
        "description": "The hall switch sparks.",
        "address": "Via Roma 1",
        "place": PlaceFactory().pk,
        "place_text": "Florence, IT",
        "publish_anyway": "1",
        "preferred_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        "time_window": "evening",
        "price_cents": "45.50",
        "expires_at": "",
        **overrides,
    }


# --- create -------------------------------------------------------------------------


def test_create_form_shows_active_categories_with_their_suggested_price(client, customer):
    CategoryFactory(name="Retired trade", is_active=False)
    client.force_login(customer)

    body = client.get(reverse("offers:create")).content.decode()

    assert 'data-suggested-price="$80.00"' in body  # electrician
    assert "Retired trade" not in body
    assert 'id="price-hint"' in body


def test_customer_publishes_an_offer_and_is_told_who_serves_the_place(client, customer, provider):
    client.force_login(customer)

    response = client.post(reverse("offers:create"), _form_data(publish_anyway=""), follow=True)

    offer = Offer.objects.get()
    assert response.redirect_chain == [(reverse("offers:detail", args=[offer.pk]), 302)]
    assert (offer.customer, offer.price_cents, offer.place.label, offer.status) == (
        customer,
        4550,
        "Florence, IT",
        "open",
    )
    assert "1 provider in electrician serves Florence, IT." in response.content.decode()


def test_the_firenze_customer_reaches_the_florence_plumber(client, customer, florences):
    # Given a plumber based in Florence, Italy (the real places: Florence IT and five Florences in the US)
    florence_it = florences["IT"]
    plumber = ProviderFactory(base_place=florence_it, categories=[ServiceCategory.objects.get(slug="plumber")])
    client.force_login(customer)
    data = _form_data(category=ServiceCategory.objects.get(slug="plumber").pk, place="", place_text="Firenze")
    data.pop("publish_anyway")

    # When a customer types "Firenze" (no typeahead) and publishes
    response = client.post(reverse("offers:create"), data, follow=True)

    # Then the offer is in Florence, Italy, and the plumber is told and sees it in their feed
    offer = Offer.objects.get()
    assert offer.place == florence_it
    assert "1 provider in plumber serves Florence, IT." in response.content.decode()
    assert plumber.notifications.filter(kind="offer_published", link=reverse("offers:detail", args=[offer.pk])).exists()
    client.force_login(plumber)
    feed = client.get(reverse("offers:feed")).content.decode()
    assert offer.title in feed and "(0 km)" in feed


def test_a_name_several_places_share_is_asked_about_not_guessed(client, customer, florences):
    client.force_login(customer)

    response = client.post(reverse("offers:create"), _form_data(place="", place_text="florence"))

    assert response.status_code == 200 and not Offer.objects.exists()
    assert response.context["form"].errors["place"] == ["Several cities are called “florence”: choose one."]
    body = response.content.decode()
    assert f'<option value="{florences["IT"].pk}">Florence, IT</option>' in body
    assert "Florence, Alabama, US" in body


def test_an_unknown_city_is_a_field_error(client, customer):
    client.force_login(customer)

    response = client.post(reverse("offers:create"), _form_data(place="", place_text="Atlantis"))

    assert response.context["form"].errors["place"] == [
        "We know no city called “Atlantis”. Try the nearest larger city."
    ]
    assert not Offer.objects.exists()


def test_with_no_provider_in_reach_the_customer_is_warned_before_publishing(client, customer):
    # Given no electrician serves Milan
    client.force_login(customer)
    data = _form_data(place=milan().pk, publish_anyway="")

    # When the customer publishes, the form comes back with the warning and what to change
    warned = client.post(reverse("offers:create"), data)
    assert warned.status_code == 200 and not Offer.objects.exists()
    body = warned.content.decode()
    assert "No provider in electrician serves Milan, IT yet" in body and "nearest larger city" in body
    assert 'name="publish_anyway"' in body and "Publish anyway" in body

    # and publishing anyway is their choice
    assert client.post(reverse("offers:create"), {**data, "publish_anyway": "1"}).status_code == 302
    assert Offer.objects.get().place.name == "Milan"


def test_the_form_asks_live_how_many_providers_serve_the_place(client, customer, provider):
    client.force_login(customer)
    url = reverse("offers:reach")
    electrician = ServiceCategory.objects.get(slug="electrician")

    here = client.get(url, {"category": electrician.pk, "place": provider.provider_profile.base_place_id}).json()
    far = client.get(url, {"category": electrician.pk, "place": milan().pk}).json()

    assert here == {"count": 1, "message": "1 provider in electrician serves Florence, IT."}
    assert far["count"] == 0 and "Try the nearest larger city" in far["message"]
    assert client.get(url, {"category": "x", "place": ""}).status_code == 400
    client.force_login(provider)
    assert client.get(url, {"category": electrician.pk, "place": milan().pk}).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price_cents": "0"}, "price_cents", "Enter a price above zero."),
        ({"price_cents": "12.345"}, "price_cents", "Use at most 2 decimal places."),
        ({"price_cents": "ten"}, "price_cents", "Enter an amount like 45 or 45.50."),
        ({"price_cents": "50000.01"}, "price_cents", "The most an offer can be is $50,000.00."),
        ({"preferred_date": "2020-01-01"}, "preferred_date", "Choose today or a later date."),
        ({"expires_at": "2020-01-01T10:00"}, "expires_at", "Choose a time in the future."),
        ({"title": "x" * 121}, "title", "at most 120 characters"),
        ({"description": "x" * 4001}, "description", "at most 4000 characters"),
        ({"title": ""}, "title", "This field is required."),
    ],
)
def test_bad_input_gets_a_field_error_and_saves_nothing(client, customer, overrides, field, message):
    client.force_login(customer)

    response = client.post(reverse("offers:create"), _form_data(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert message in response.content.decode()
    assert not Offer.objects.exists()


@pytest.mark.parametrize("url_name", ["offers:create", "offers:mine"])
def test_customer_pages_refuse_providers_and_send_anonymous_users_to_log_in(client, provider, url_name):
    assert client.get(reverse(url_name)).status_code == 302
    client.force_login(provider)
    assert client.get(reverse(url_name)).status_code == 403


# --- edit and withdraw -----------------------------------------------------------------


def test_owner_edits_an_open_offer(client, customer):
    offer = OfferFactory(customer=customer, price_cents=12000)
    client.force_login(customer)

    form_page = client.get(reverse("offers:edit", args=[offer.pk])).content.decode()
    response = client.post(reverse("offers:edit", args=[offer.pk]), _form_data(title="Two switches", price_cents="99"))

    assert 'value="120.00"' in form_page
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.title, offer.price_cents) == ("Two switches", 9900)


def test_edit_refuses_bad_input_with_field_errors(client, customer):
    offer = OfferFactory(customer=customer)
    client.force_login(customer)

    response = client.post(reverse("offers:edit", args=[offer.pk]), _form_data(price_cents="0"))

    assert response.context["form"].errors == {"price_cents": ["Enter a price above zero."]}
    offer.refresh_from_db()
    assert offer.price_cents == 12000


def test_accepted_offer_is_frozen(client, customer):
    offer = OfferFactory(customer=customer, status=Offer.Status.ACCEPTED)
    client.force_login(customer)

    edit = client.post(reverse("offers:edit", args=[offer.pk]), _form_data(title="Sneaky"))
    withdraw = client.post(reverse("offers:withdraw", args=[offer.pk]))

    assert edit.status_code == withdraw.status_code == 302
    offer.refresh_from_db()
    assert offer.title != "Sneaky"
    assert offer.status == Offer.Status.ACCEPTED


def test_withdraw_asks_for_confirmation_then_withdraws(client, customer):
    offer = OfferFactory(customer=customer)
    client.force_login(customer)

    confirm = client.get(reverse("offers:withdraw", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN
    assert "Yes, withdraw it" in confirm.content.decode()

    response = client.post(reverse("offers:withdraw", args=[offer.pk]))

    assert response.url == reverse("offers:mine")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN


@pytest.mark.parametrize("url_name", ["offers:edit", "offers:withdraw", "offers:detail"])
def test_another_customers_offer_is_a_404(client, url_name):
    offer = OfferFactory()
    client.force_login(CustomerFactory())

    assert client.get(reverse(url_name, args=[offer.pk])).status_code == 404
    assert client.post(reverse(url_name, args=[offer.pk]), _form_data()).status_code == 404
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN


# --- detail ----------------------------------------------------------------------------


def test_owner_sees_status_decline_count_and_actions_but_no_names(client, customer, provider):
    offer = OfferFactory(customer=customer)
    OfferDecline.objects.create(offer=offer, provider=provider, reason="Too far")
    client.force_login(customer)

    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert "<strong>1</strong> provider declined" in body
    assert reverse("offers:edit", args=[offer.pk]) in body
    assert reverse("offers:withdraw", args=[offer.pk]) in body
    assert provider.full_name not in body and "Too far" not in body
    assert offer.address in body


def test_matching_provider_sees_decline_form_but_not_the_address(client, provider):
    offer = OfferFactory()
    client.force_login(provider)

    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert reverse("offers:decline", args=[offer.pk]) in body
    assert "Florence, IT" in body and offer.address not in body
    assert reverse("offers:edit", args=[offer.pk]) not in body


def test_accept_button_posts_to_bookings_accept(client, provider):
    offer = OfferFactory()
    client.force_login(provider)

    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert f'action="{reverse("bookings:accept", args=[offer.pk])}"' in body


@pytest.mark.parametrize(
    "make_viewer",
    [
        lambda: ProviderFactory(base_place=milan()),
        lambda: ProviderFactory(status="pending"),
        lambda: ProviderFactory(categories=[]),
    ],
    ids=["other-city", "unapproved", "other-trades"],
)
def test_providers_outside_the_match_get_404(client, make_viewer):
    offer = OfferFactory()
    client.force_login(make_viewer())

    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 404


def test_closed_offer_is_gone_for_providers_but_not_for_its_owner(client, customer, provider):
    offer = OfferFactory(customer=customer, status=Offer.Status.WITHDRAWN)

    client.force_login(provider)
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 404
    client.force_login(customer)
    assert "Withdrawn" in client.get(reverse("offers:detail", args=[offer.pk])).content.decode()


def test_owner_sees_an_offer_past_its_time_as_expired(client, customer):
    offer = OfferFactory(customer=customer, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(customer)

    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert ">Expired<" in body
    assert reverse("offers:withdraw", args=[offer.pk]) not in body


# --- decline -------------------------------------------------------------------------


def test_provider_declines_with_a_reason_and_the_offer_leaves_their_feed(client, provider):
    offer = OfferFactory()
    client.force_login(provider)

    response = client.post(
        reverse("offers:decline", args=[offer.pk]), {"reason": "Booked that day", "terms_version": 1}
    )

    assert response.url == reverse("offers:feed")
    assert OfferDecline.objects.get().reason == "Booked that day"
    assert offer.title not in client.get(reverse("offers:feed")).content.decode()
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 404


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_declining_after_the_customer_changed_the_offer_shows_the_new_terms_and_records_nothing(client, provider):
    # Given a provider looking at an evening job, which the customer then moves to the morning at a new price
    offer = OfferFactory(time_window="evening", price_cents=12000)
    client.force_login(provider)
    page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert page.count('<input type="hidden" name="terms_version" value="1">') == 2  # accept and decline
    offer_update(
        offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, time_window="morning", price_cents=15000)
    )

    # When they decline from the page they saw
    response = client.post(reverse("offers:decline", args=[offer.pk]), {"terms_version": 1}, follow=True)

    # Then the offer page shows what changed and the new terms, and nothing is declined
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("offers:detail", args=[offer.pk]), 302)]
    assert "now $150.00 on" in " ".join(_messages(response))
    body = response.content.decode()
    assert "Morning (8–12)" in body and "Accept for $150.00" in body
    assert '<input type="hidden" name="terms_version" value="2">' in body
    assert not OfferDecline.objects.exists()


@pytest.mark.parametrize("version", ["", "x", "0", "9" * 30])
def test_declining_with_a_missing_or_garbled_terms_version_is_a_message_not_a_500(client, provider, version):
    offer = OfferFactory()
    client.force_login(provider)

    response = client.post(reverse("offers:decline", args=[offer.pk]), {"terms_version": version}, follow=True)

    assert response.status_code == 200
    assert "We could not tell which terms you declined" in " ".join(_messages(response))
    assert not OfferDecline.objects.exists()


def test_decline_is_post_only_and_for_approved_providers(client, customer):
    offer = OfferFactory()
    client.force_login(ProviderFactory())
    assert client.get(reverse("offers:decline", args=[offer.pk])).status_code == 405
    client.force_login(customer)
    assert client.post(reverse("offers:decline", args=[offer.pk])).status_code == 403
    client.force_login(ProviderFactory(status="pending"))
    assert client.post(reverse("offers:decline", args=[offer.pk])).status_code == 403
    assert not OfferDecline.objects.exists()


def test_declining_an_unknown_offer_is_a_404(client, provider):
    client.force_login(provider)
    assert client.post(reverse("offers:decline", args=[999_999]), {"terms_version": 1}).status_code == 404


# --- feed ------------------------------------------------------------------------------


def test_feed_is_for_approved_providers_only(client, customer):
    url = reverse("offers:feed")
    assert client.get(url).status_code == 302
    client.force_login(customer)
    assert client.get(url).status_code == 403
    client.force_login(ProviderFactory(status="pending"))
    assert client.get(url).status_code == 403


def test_feed_lists_matching_offers_newest_first_with_escaped_text(client, provider):
    older = OfferFactory(title="Older job")
    newer = OfferFactory(title="<script>alert(1)</script>")
    OfferFactory(place=milan(), title="Elsewhere")
    client.force_login(provider)

    response = client.get(reverse("offers:feed"))

    assert [o.pk for o in response.context["page"]] == [newer.pk, older.pk]
    body = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "Elsewhere" not in body
    assert 'data-socket="/ws/offers/feed/?lang=en"' in body


def test_feed_cards_are_reused_from_the_cache_until_the_offer_is_saved(client, provider):
    offer = OfferFactory(title="Fix the tap", description="Kitchen tap drips.")
    client.force_login(provider)
    assert "Kitchen tap drips." in client.get(reverse("offers:feed")).content.decode()

    Offer.objects.filter(pk=offer.pk).update(description="Changed without a save")  # the cached card stays
    reused = client.get(reverse("offers:feed")).content.decode()
    offer.refresh_from_db()
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, title="Fix two taps"))
    edited = client.get(reverse("offers:feed")).content.decode()

    assert "Kitchen tap drips." in reused and "Changed without a save" not in reused
    assert "Fix two taps" in edited and "Changed without a save" in edited and "Fix the tap<" not in edited


def test_feed_filters_by_category_date_and_minimum_price(client, provider):
    plumber = ServiceCategory.objects.get(slug="plumber")
    day = timezone.localdate() + datetime.timedelta(days=2)
    cheap = OfferFactory(price_cents=3000, preferred_date=day)
    dear = OfferFactory(price_cents=9000)
    plumbing = OfferFactory(category=plumber, price_cents=9000, preferred_date=day)
    client.force_login(provider)

    def feed(**params):
        return {o.pk for o in client.get(reverse("offers:feed"), params).context["page"]}

    assert feed() == {cheap.pk, dear.pk, plumbing.pk}
    assert feed(category=plumber.pk) == {plumbing.pk}
    assert feed(date=day.isoformat()) == {cheap.pk, plumbing.pk}
    assert feed(min_price="50") == {dear.pk, plumbing.pk}
    assert feed(min_price="50", date=day.isoformat(), category=plumber.pk) == {plumbing.pk}


def test_feed_ignores_and_reports_an_invalid_filter(client, provider):
    offer = OfferFactory()
    client.force_login(provider)

    response = client.get(reverse("offers:feed"), {"min_price": "lots", "category": "999999"})

    assert [o.pk for o in response.context["page"]] == [offer.pk]
    assert response.context["filters"].errors.keys() == {"min_price", "category"}


def test_feed_paginates_and_keeps_filters_in_page_links(client, provider, customer):
    OfferFactory.create_batch(25, customer=customer, price_cents=6000)
    client.force_login(provider)

    first = client.get(reverse("offers:feed"), {"min_price": "10"})
    second = client.get(reverse("offers:feed"), {"min_price": "10", "page": 2})

    assert len(first.context["page"]) == 20 and len(second.context["page"]) == 5
    assert "min_price=10&amp;page=2" in first.content.decode()
    assert "data-socket=" not in second.content.decode()  # live cards go to page 1 only


def test_feed_shows_an_empty_state(client, provider):
    client.force_login(provider)
    assert "No open offers match right now." in client.get(reverse("offers:feed")).content.decode()


# Page-level bounds leave room for other apps' navbar partials; the equality checks carry the weight.
PAGE_MAX_QUERIES = 15


def _count_queries(client, url, django_assert_max_num_queries) -> int:
    """The page's queries on a warm cache (a first view fills the user's cached badges)."""
    client.get(url)
    with django_assert_max_num_queries(PAGE_MAX_QUERIES) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.usefixtures("no_page_cache")
def test_feed_query_count_does_not_grow_with_offers(client, provider, customer, django_assert_max_num_queries):
    client.force_login(provider)
    url = reverse("offers:feed")
    OfferFactory.create_batch(10, customer=customer)
    at_10 = _count_queries(client, url, django_assert_max_num_queries)

    OfferFactory.create_batch(190, customer=customer)
    at_200 = _count_queries(client, url, django_assert_max_num_queries)

    assert at_200 == at_10


# --- my offers, dashboards, nav ----------------------------------------------------------


def test_my_offers_lists_status_declines_and_booking_link(client, customer, provider):
    open_offer = OfferFactory(customer=customer)
    OfferDecline.objects.create(offer=open_offer, provider=provider)
    booking = BookingFactory(offer__customer=customer)
    OfferFactory()  # someone else's
    client.force_login(customer)

    response = client.get(reverse("offers:mine"))

    assert [o.pk for o in response.context["page"]] == [booking.offer.pk, open_offer.pk]
    body = response.content.decode()
    assert "1 decline<" in body and "0 declines<" in body
    assert "Accepted" in body and "Open" in body
    assert f'href="{reverse("bookings:detail", args=[booking.pk])}"' in body


def test_my_offers_empty_state_and_pagination(client, customer):
    client.force_login(customer)
    assert "Post your first offer" in client.get(reverse("offers:mine")).content.decode()

    OfferFactory.create_batch(21, customer=customer)
    assert len(client.get(reverse("offers:mine"), {"page": 2}).context["page"]) == 1


@pytest.mark.usefixtures("no_page_cache")
def test_my_offers_query_count_is_bounded(client, customer, provider, django_assert_max_num_queries):
    client.force_login(customer)
    for _ in range(3):
        BookingFactory(offer__customer=customer)
    offers = OfferFactory.create_batch(5, customer=customer)
    OfferDecline.objects.bulk_create(OfferDecline(offer=o, provider=provider) for o in offers)
    at_8 = _count_queries(client, reverse("offers:mine"), django_assert_max_num_queries)

    OfferFactory.create_batch(12, customer=customer)
    for _ in range(3):
        BookingFactory(offer__customer=customer)
    assert _count_queries(client, reverse("offers:mine"), django_assert_max_num_queries) == at_8


def test_customer_dashboard_panel_lists_open_offers_soonest_expiry_first(client, customer):
    soon = OfferFactory(customer=customer, title="Closes soon", expires_at=timezone.now() + datetime.timedelta(hours=1))
    OfferFactory.create_batch(6, customer=customer)
    OfferFactory(customer=customer, status=Offer.Status.WITHDRAWN, title="Gone")
    client.force_login(customer)

    body = client.get(reverse("dashboard")).content.decode()

    assert 'id="offers-panel"' in body
    assert body.index(soon.title) < body.index("Fix the kitchen lights")
    assert "Gone" not in body
    assert '<span class="badge text-bg-secondary">7</span>' in body
    assert reverse("offers:create") in body


def test_provider_dashboard_panel_counts_matching_offers(client, provider):
    OfferFactory.create_batch(2)
    OfferFactory(place=milan())
    client.force_login(provider)

    body = client.get(reverse("dashboard")).content.decode()

    assert '<strong id="matching-offer-count">2</strong> open offers match' in body
    assert reverse("offers:feed") in body


@pytest.mark.parametrize(
    ("template", "make_user", "queries", "again"),
    [
        ("offers/_customer_dashboard.html", CustomerFactory, 2, 2),
        (
            "offers/_provider_dashboard.html",
            lambda: User.objects.select_related("provider_profile__base_place").get(pk=ProviderFactory().pk),
            # the provider's category ids, the places within their radius (then cached), and the count (a
            # category subquery made MariaDB sort the feed)
            3,
            0,  # then the count from the cache for up to a minute
        ),
    ],
)
def test_dashboard_panels_query_count_does_not_grow(template, make_user, queries, again, django_assert_num_queries):
    user = make_user()
    OfferFactory.create_batch(3, customer=user if user.is_customer else CustomerFactory())
    with django_assert_num_queries(queries):
        render_to_string(template, {"user": user})

    OfferFactory.create_batch(30, customer=user if user.is_customer else CustomerFactory())
    with django_assert_num_queries(again):
        render_to_string(template, {"user": user})


def test_nav_links_by_role(client, customer):
    client.force_login(customer)
    body = client.get(reverse("dashboard")).content.decode()
    assert reverse("offers:create") in body and reverse("offers:mine") in body
    assert reverse("offers:feed") not in body

    client.force_login(ProviderFactory(status="pending"))
    body = client.get(reverse("home")).content.decode()
    assert reverse("offers:feed") not in body and reverse("offers:create") not in body

    client.force_login(ProviderFactory())
    assert reverse("offers:feed") in client.get(reverse("home")).content.decode()


# --- the price as typed (strict parsing, read back before it is published) -------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12,34", "Use a dot before the cents, e.g. 12.34."),
        ("1,23,4", "Enter an amount like 45 or 45.50."),
        ("４５", "Enter an amount like 45 or 45.50."),
        ("-45", "Enter an amount like 45 or 45.50."),
        ("9" * 5000, "Enter at most 20 characters."),
    ],
    ids=["decimal-comma", "bad-grouping", "full-width", "negative", "5000-digits"],
)
def test_a_malformed_price_is_a_field_error_in_our_words(client, customer, typed, message):
    client.force_login(customer)

    response = client.post(reverse("offers:create"), _form_data(price_cents=typed))

    assert response.context["form"].errors == {"price_cents": [message]}
    assert "integer string conversion" not in response.content.decode()
    assert not Offer.objects.exists()


def test_a_price_typed_another_way_is_shown_back_and_published_once_confirmed(client, customer):
    client.force_login(customer)

    first = client.post(reverse("offers:create"), _form_data(price_cents="1234.5"))

    body = first.content.decode()
    assert "We read this as $1,234.50" in body and 'value="1,234.50"' in body
    assert not Offer.objects.exists()
    second = client.post(reverse("offers:create"), _form_data(price_cents="1,234.50"))
    assert second.status_code == 302 and Offer.objects.get().price_cents == 123450


def test_feed_filter_refuses_a_malformed_minimum_price(client, provider):
    client.force_login(provider)

    response = client.get(reverse("offers:feed"), {"min_price": "12,34"})

    assert response.status_code == 200
    assert response.context["filters"].errors == {"min_price": ["Use a dot before the cents, e.g. 12.34."]}


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_preferred_date_far_out_of_range_is_a_field_error(client, customer, day):
    client.force_login(customer)

    response = client.post(reverse("offers:create"), _form_data(preferred_date=day))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["preferred_date"]
    assert not Offer.objects.exists()


def test_feed_filter_refuses_a_date_far_out_of_range(client, provider):
    client.force_login(provider)

    response = client.get(reverse("offers:feed"), {"date": "9999-12-31"})

    assert response.context["filters"].errors == {"date": ["Choose a date between 1900-01-01 and 2999-12-31."]}
