import json

import pytest
from django.urls import reverse

from accounts.models import ServiceCategory
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.tests.factories import BookingFactory
from chat.models import Conversation, ConversationAccess, Message
from chat.services import conversation_mark_read, message_send
from chat.tests.factories import ConversationFactory, MessageFactory
from offers.tests.factories import OfferFactory
from places.tests.factories import milan

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("no_page_cache")
def test_messages_list_shows_last_message_and_unread_with_a_query_count_independent_of_rows(
    client, provider, django_assert_max_num_queries
):
    for n in range(3):
        conversation = ConversationFactory(provider=provider)
        MessageFactory(conversation=conversation, text=f"Hello <b>{n}</b>")
    client.force_login(provider)

    with django_assert_max_num_queries(12) as few:
        response = client.get(reverse("chat:list"))
    for _ in range(10):
        ConversationFactory(provider=provider)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("chat:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Hello &lt;b&gt;2&lt;/b&gt;" in html and "<b>2</b>" not in html
    assert html.count('aria-label="unread"') == 3
    assert 'id="chat-unread-badge" aria-label="unread messages">3<' in html


@pytest.mark.usefixtures("no_page_cache")
def test_messages_list_reuses_rows_until_a_message_or_a_read_changes_them(client, conversation):
    customer, provider = conversation.customer, conversation.provider
    message_send(conversation=conversation, sender=customer, text="Can you come on Monday?")
    client.force_login(provider)
    client.get(reverse("chat:list"))
    Message.objects.filter(conversation=conversation).update(text="Changed behind the cache")

    reused = client.get(reverse("chat:list")).content.decode()
    message_send(conversation=conversation, sender=provider, text="Monday at 9 works")
    replied = client.get(reverse("chat:list")).content.decode()
    great = message_send(conversation=conversation, sender=customer, text="Great")
    unread = client.get(reverse("chat:list")).content.decode()
    conversation_mark_read(conversation=conversation, user=provider, up_to_id=great.pk)
    read = client.get(reverse("chat:list")).content.decode()

    assert "Can you come on Monday?" in reused and 'aria-label="unread">1<' in reused
    assert "You: Monday at 9 works" in replied
    assert "Great" in unread and 'aria-label="unread">2<' in unread
    assert "Great" in read and 'aria-label="unread">' not in read


def test_messages_list_paginates(client, provider):
    for _ in range(21):
        ConversationFactory(provider=provider)
    client.force_login(provider)

    first = client.get(reverse("chat:list"))
    second = client.get(reverse("chat:list"), {"page": 2})

    assert first.content.decode().count('class="list-group-item') == 20
    assert second.content.decode().count('class="list-group-item') == 1


def test_empty_messages_list_explains_itself(client, customer):
    client.force_login(customer)

    assert "No conversations yet" in client.get(reverse("chat:list")).content.decode()


def test_conversation_page_embeds_history_as_escaped_json(client, conversation):
    MessageFactory(conversation=conversation, text="</script><script>alert(1)</script>")
    client.force_login(conversation.provider)

    response = client.get(conversation.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in html
    assert f'data-socket="/ws/chat/{conversation.pk}/"' in html
    assert str(conversation.customer) in html  # the other party
    assert conversation.booking.title in html


def test_outsider_gets_404_for_page_and_history(client, conversation):
    client.force_login(CustomerFactory())

    assert client.get(conversation.get_absolute_url()).status_code == 404
    assert client.get(reverse("chat:history", args=[conversation.pk]), {"before": 10}).status_code == 404


def test_anonymous_is_sent_to_login(client, conversation):
    response = client.get(conversation.get_absolute_url())

    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_load_earlier_returns_the_page_before_a_message(client, conversation):
    messages = [MessageFactory(conversation=conversation) for _ in range(32)]
    client.force_login(conversation.customer)

    data = client.get(reverse("chat:history", args=[conversation.pk]), {"before": messages[2].pk}).json()
    bad = client.get(reverse("chat:history", args=[conversation.pk]), {"before": "x"})

    assert [m["id"] for m in data["messages"]] == [messages[0].pk, messages[1].pk]
    assert data["more"] is False
    assert bad.status_code == 400


def test_closed_conversation_page_has_no_composer(client):
    conversation = ConversationFactory(booking__status="completed")
    client.force_login(conversation.customer)

    html = client.get(conversation.get_absolute_url()).content.decode()

    assert 'id="chat-composer"' not in html and "This conversation is closed" in html


def test_provider_asks_about_an_open_offer_and_lands_in_the_thread(client, provider):
    offer = OfferFactory(category=ServiceCategory.objects.get(slug="electrician"))
    client.force_login(provider)

    response = client.post(reverse("chat:ask", args=[offer.pk]))

    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response.url == conversation.get_absolute_url()
    assert (conversation.offer, conversation.provider, conversation.customer) == (offer, provider, offer.customer)


def test_customer_cannot_use_the_ask_button(client, customer):
    offer = OfferFactory()
    client.force_login(customer)

    assert client.post(reverse("chat:ask", args=[offer.pk])).status_code == 403


def test_refused_question_explains_why_and_goes_back(client, provider):
    offer = OfferFactory(place=milan())
    client.force_login(provider)

    response = client.post(reverse("chat:ask", args=[offer.pk]), {"next": "/offers/feed/"}, follow=False)

    assert response.url == "/offers/feed/"
    assert not Conversation.objects.exists()


def test_booking_participant_opens_the_booking_conversation_and_others_get_404(client):
    booking = BookingFactory()
    client.force_login(booking.customer)

    response = client.post(reverse("chat:booking", args=[booking.pk]))

    conversation = Conversation.objects.get(booking=booking)
    assert response.url == conversation.get_absolute_url()
    client.force_login(CustomerFactory())
    assert client.post(reverse("chat:booking", args=[booking.pk])).status_code == 404


def test_booking_panel_links_to_the_conversation_with_unread_count(conversation):
    from django.template.loader import render_to_string

    MessageFactory(conversation=conversation, sender=conversation.customer)

    html = render_to_string(
        "chat/_booking_panel.html", {"booking": conversation.booking, "user": conversation.provider}
    )

    assert "1 unread" in html and conversation.get_absolute_url() in html
    assert (
        render_to_string(
            "chat/_booking_panel.html", {"booking": conversation.booking, "user": CustomerFactory()}
        ).strip()
        == ""
    )


def test_offer_panel_lists_each_providers_thread_for_the_customer_and_offers_ask_to_a_provider(provider):
    from django.template.loader import render_to_string

    offer = OfferFactory()
    first = ConversationFactory(booking=None, offer=offer, customer=offer.customer, provider=provider)
    second = ConversationFactory(booking=None, offer=offer, customer=offer.customer, provider=ProviderFactory())
    MessageFactory(conversation=second, sender=second.provider, text="Is there parking?")

    customer_html = render_to_string("chat/_offer_panel.html", {"offer": offer, "user": offer.customer})
    other_provider_html = render_to_string("chat/_offer_panel.html", {"offer": offer, "user": CustomerFactory()})
    ask_html = render_to_string("chat/_offer_panel.html", {"offer": offer, "user": ProviderFactory()})

    assert first.get_absolute_url() in customer_html and second.get_absolute_url() in customer_html
    assert "Is there parking?" in customer_html
    assert "chat/ask" not in other_provider_html and first.get_absolute_url() not in other_provider_html
    assert reverse("chat:ask", args=[offer.pk]) in ask_html
    elsewhere = render_to_string(
        "chat/_offer_panel.html", {"offer": offer, "user": ProviderFactory(base_place=milan())}
    )
    assert reverse("chat:ask", args=[offer.pk]) not in elsewhere


def test_staff_read_conversation_in_admin_and_the_access_is_logged(client, conversation, staff_user):
    MessageFactory(conversation=conversation, text="The tap still leaks")
    client.force_login(staff_user)

    response = client.get(reverse("admin:chat_conversation_change", args=[conversation.pk]))

    assert response.status_code == 200
    assert "The tap still leaks" in response.content.decode()
    assert ConversationAccess.objects.get().staff == staff_user
    assert 'name="_save"' not in response.content.decode()  # read-only


def test_unread_badge_on_every_page(client, conversation):
    MessageFactory.create_batch(2, conversation=conversation, sender=conversation.customer)
    client.force_login(conversation.provider)

    html = client.get(reverse("notifications:list")).content.decode()

    assert 'aria-label="unread messages">2<' in html


def test_history_json_is_text_not_markup(client, conversation):
    MessageFactory(conversation=conversation, text="<i>hi</i>")
    client.force_login(conversation.customer)

    data = json.loads(client.get(reverse("chat:history", args=[conversation.pk]), {"before": 10**9}).content)

    assert data["messages"][0]["text"] == "<i>hi</i>"


def test_dashboard_panel_counts_unread_messages(conversation):
    from django.template.loader import render_to_string

    MessageFactory.create_batch(2, conversation=conversation, sender=conversation.customer)

    html = render_to_string("chat/_provider_dashboard.html", {"user": conversation.provider})

    assert "2 unread messages" in html and reverse("chat:list") in html
    assert "all caught up" in render_to_string("chat/_customer_dashboard.html", {"user": conversation.customer})


@pytest.mark.usefixtures("urdu_catalog")
def test_conversation_page_in_urdu(client, conversation):
    client.force_login(conversation.customer)

    page = client.get(conversation.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ur").content.decode()

    for text in ("پیغامات", "پیغام لکھیں…", "تصویر بھیجیں", "رابطہ ہو رہا ہے…", "ابھی تک کوئی پیغام نہیں۔ سلام کہیں!"):
        assert text in page, text
    assert "Write a message…" not in page and "Connecting…" not in page


@pytest.mark.usefixtures("urdu_catalog")
def test_messages_list_rows_are_kept_per_language(client, conversation):
    """The cached rows (chat.templatetags.chat.conversation_rows) of one user in two languages."""
    message_send(conversation=conversation, sender=conversation.provider, text="On my way")
    client.force_login(conversation.provider)

    english = client.get(reverse("chat:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    urdu = client.get(reverse("chat:list"), HTTP_ACCEPT_LANGUAGE="ur").content.decode()

    assert "You: On my way" in english and "آپ: On my way" not in english
    assert "آپ: On my way" in urdu and "You: On my way" not in urdu
