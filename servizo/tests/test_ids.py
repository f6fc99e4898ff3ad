"""Ids and numbers from URLs and query strings: out of range is a 404 or a form error, never a 500."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from accounts.tests.factories import ProviderFactory
from chat.tests.factories import ConversationFactory
from servizo.converters import MAX_ID, IdConverter, parse_id
from servizo.routing import websocket_urlpatterns

TOO_BIG = "9" * 20
HUGE = "9" * 5000


def _converters(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        for converter in entry.pattern.converters.values():
            yield route, converter
        if isinstance(entry, URLResolver):
            yield from _converters(entry.url_patterns, route)
        else:
            assert isinstance(entry, URLPattern)


def test_every_route_takes_ids_through_the_bounded_converter():
    routes = [*_converters(get_resolver().url_patterns), *_converters(websocket_urlpatterns)]

    assert any(isinstance(converter, IdConverter) for _, converter in routes)
    assert [route for route, converter in routes if isinstance(converter, IntConverter)] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (TOO_BIG, None), (HUGE, None), ("0", None)],
)
def test_parse_id_bounds(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize("value", ["-1", "1.0", "١", "１", "", None, True, 2**64, "1\x00"])
def test_parse_id_refuses_what_is_not_an_id(value):
    assert parse_id(value) is None


@pytest.mark.django_db
@pytest.mark.parametrize("value", [TOO_BIG, HUGE])
@pytest.mark.parametrize(
    "path",
    [
        "/reviews/providers/{}/",
        "/offers/{}/",
        "/bookings/{}/",
        "/messages/{}/",
        "/payments/booking/{}/pay/",
        "/notifications/{}/read/",
    ],
)
def test_an_id_out_of_range_in_a_path_is_a_404(client, django_user_model, path, value):
    client.force_login(django_user_model.objects.create_superuser(email="root@example.com", password="x"))

    assert client.get(path.format(value)).status_code == 404


@pytest.mark.django_db
def test_an_admin_page_with_an_id_out_of_range_says_there_is_no_such_object(client, staff_superuser):
    client.force_login(staff_superuser)

    response = client.get(f"/admin/payments/bookingdecision/{TOO_BIG}/settle/", follow=True)

    assert response.status_code == 200 and "doesn’t exist" in response.content.decode()


@pytest.mark.django_db
def test_the_largest_id_is_still_looked_up(client, customer):
    client.force_login(customer)

    assert client.get(f"/offers/{MAX_ID}/").status_code == 404
    assert client.get(f"/reviews/providers/{MAX_ID}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("before", [TOO_BIG, HUGE, "-1", "abc", "１"])
def test_chat_history_refuses_a_bad_before_id(client, before):
    conversation = ConversationFactory()
    client.force_login(conversation.customer)

    response = client.get(reverse("chat:history", args=[conversation.pk]), {"before": before})

    assert response.status_code == 400 and response.json() == {"error": "Give ?before=<message id>."}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        f"booking={TOO_BIG}",
        f"booking__in=1,{TOO_BIG}",
        f"booking={HUGE}",
        f"id__in={TOO_BIG}",
        f"id__gt={TOO_BIG}",
        f"p={TOO_BIG}",
    ],
)
@pytest.mark.parametrize("model", ["payments/payment", "payments/ledgerentry", "chat/conversation"])
def test_admin_filters_out_of_range_are_no_500(client, staff_superuser, model, query):
    client.force_login(staff_superuser)

    response = client.get(f"/admin/{model}/?{query}")

    assert response.status_code in {200, 302, 400}
    if response.status_code == 302:
        assert response.url.endswith("?e=1")
        assert client.get(response.url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": "a " * 3000}, "Search for at most 10 words (200 characters)."),
        ({"q": "x" * 201}, "Search for at most 10 words (200 characters)."),
        ({"created_at__year": "9999"}, "That filter value is out of range."),
        ({"created_at__year": "9999", "created_at__month": "12", "created_at__day": "31"}, "out of range"),
    ],
    ids=["many-words", "long", "year-9999", "day-9999-12-31"],
)
@pytest.mark.parametrize("model", ["bookings/booking", "reviews/review", "accounts/user"])
def test_admin_lists_refuse_queries_they_cannot_run_with_a_message(client, staff_superuser, model, query, message):
    client.force_login(staff_superuser)

    response = client.get(f"/admin/{model}/", query, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][0].endswith("?e=1")
    assert message in response.content.decode()


@pytest.mark.django_db
def test_admin_search_with_a_long_number_still_searches(client, staff_superuser):
    client.force_login(staff_superuser)

    assert client.get("/admin/bookings/booking/", {"q": TOO_BIG}).status_code == 200


@pytest.mark.django_db
def test_provider_profile_with_an_id_out_of_range_is_a_404_even_next_to_real_ones(client):
    ProviderFactory()

    assert client.get(f"/reviews/providers/{TOO_BIG}/").status_code == 404


@pytest.fixture
def staff_superuser(django_user_model):
    return django_user_model.objects.create_superuser(email="root@example.com", password="x")


@pytest.mark.django_db
def test_queries_with_ids_out_of_range_find_nothing_on_every_database():
    from chat.models import Conversation
    from payments.models import Payment

    conversation = ConversationFactory()
    big = int(TOO_BIG)

    assert list(Conversation.objects.filter(pk__in=[big])) == []
    assert list(Conversation.objects.filter(pk__in=[conversation.pk, big])) == [conversation]
    assert list(Conversation.objects.filter(customer=big)) == []
    assert list(Conversation.objects.filter(customer_id__in=[big, conversation.customer_id])) == [conversation]
    assert list(Payment.objects.filter(booking__in=[-big])) == []


@pytest.mark.django_db
def test_a_choice_id_out_of_range_is_a_form_error(client):
    from accounts.tests.test_signup import provider_data

    response = client.post(reverse("signup_provider"), provider_data(categories=[TOO_BIG]))

    assert response.status_code == 200
    assert "categories" in response.context["form"].errors


@pytest.mark.django_db
def test_admin_action_on_selected_ids_out_of_range_is_no_500(client, staff_superuser):
    client.force_login(staff_superuser)

    response = client.post(
        "/admin/payments/payment/", {"action": "refund", "_selected_action": [TOO_BIG, "1"]}, follow=True
    )

    assert response.status_code == 200
