from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts.models import ProviderProfile, ServiceCategory
from accounts.tests.factories import CustomerFactory, ProviderFactory, StaffFactory
from bookings.models import Booking
from bookings.services import MACHINE as BOOKING_MACHINE
from bookings.tests.factories import BookingFactory
from chat.models import Conversation, ConversationMember, Message
from chat.presence import PRESENCE_TTL, is_viewing, viewer_enter, viewer_leave, viewer_still_here, viewing_elsewhere
from chat.selectors import CHAT_BADGE, conversation_for_participant, unread_total
from chat.services import (
    RateLimited,
    booking_attach_conversation,
    conversation_access_log,
    conversation_for_booking,
    conversation_mark_read,
    conversation_start_for_offer,
    message_send,
)
from chat.tests.factories import ConversationFactory, MessageFactory
from notifications.services import notification_create
from offers.models import Offer
from offers.tests.factories import OfferFactory
from places.tests.factories import prato
from servizo.exceptions import DomainError
from servizo.usercache import user_cached

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return OfferFactory(category=ServiceCategory.objects.get(slug="electrician"))


def test_matching_approved_provider_can_open_one_question_thread_per_offer(offer, provider):
    first = conversation_start_for_offer(offer_id=offer.pk, provider=provider)
    again = conversation_start_for_offer(offer_id=offer.pk, provider=provider)

    assert first == again
    assert (first.customer, first.provider, first.offer, first.booking) == (offer.customer, provider, offer, None)


@pytest.mark.parametrize(
    "profile",
    [
        {"status": ProviderProfile.Status.PENDING},
        {"base_place__geoname_id": 9_100_001, "base_place__latitude": 44.5},  # 80 km north of Florence
        {"categories": []},
    ],
    ids=["not approved", "out of reach", "other trade"],
)
def test_provider_who_does_not_match_cannot_ask(offer, profile):
    provider = ProviderFactory(**profile)

    with pytest.raises(DomainError):
        conversation_start_for_offer(offer_id=offer.pk, provider=provider)
    assert not Conversation.objects.exists()


def test_no_questions_on_an_offer_that_is_not_open(provider):
    offer = OfferFactory(status=Offer.Status.WITHDRAWN)

    with pytest.raises(DomainError, match="no longer open"):
        conversation_start_for_offer(offer_id=offer.pk, provider=provider)


def test_accepting_provider_carries_the_question_thread_into_the_booking(offer, provider):
    thread = conversation_start_for_offer(offer_id=offer.pk, provider=provider)
    MessageFactory(conversation=thread, sender=provider, text="Which floor?")
    booking = BookingFactory(offer=offer, provider=provider)

    _hooks = BOOKING_MACHINE._hooks
    assert booking_attach_conversation in _hooks[Booking.Status.AWAITING_PAYMENT]  # registered by ChatConfig.ready
    booking_attach_conversation(booking, None)

    thread.refresh_from_db()
    assert thread.booking == booking
    assert Conversation.objects.count() == 1
    assert thread.messages.get().text == "Which floor?"


def test_booking_without_a_thread_gets_a_fresh_conversation():
    booking = BookingFactory()

    conversation = conversation_for_booking(booking=booking)

    assert (conversation.customer, conversation.provider, conversation.booking) == (
        booking.customer,
        booking.provider,
        booking,
    )
    assert conversation_for_booking(booking=booking) == conversation


def test_other_providers_threads_stay_apart_and_close_when_someone_else_is_booked(offer, provider):
    other = ProviderFactory()
    theirs = conversation_start_for_offer(offer_id=offer.pk, provider=other)
    conversation_start_for_offer(offer_id=offer.pk, provider=provider)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.ACCEPTED)
    booking_attach_conversation(BookingFactory(offer=offer, provider=provider), None)

    theirs.refresh_from_db()
    assert theirs.booking is None
    assert theirs.is_read_only


@pytest.mark.parametrize(
    ("status", "read_only"),
    [
        (Booking.Status.AWAITING_PAYMENT, False),
        (Booking.Status.IN_PROGRESS, False),
        (Booking.Status.DISPUTED, False),
        (Booking.Status.COMPLETED, True),
        (Booking.Status.CANCELLED, True),
        (Booking.Status.REFUNDED, True),
        (Booking.Status.RESOLVED, True),
    ],
)
def test_closed_bookings_make_the_conversation_read_only(status, read_only):
    conversation = ConversationFactory(booking__status=status)

    assert conversation.is_read_only is read_only
    if read_only:
        with pytest.raises(DomainError, match="closed"):
            message_send(conversation=conversation, sender=conversation.customer, text="hello?")
    else:
        message_send(conversation=conversation, sender=conversation.customer, text="hello?")


def test_only_participants_can_send(conversation):
    with pytest.raises(DomainError):
        message_send(conversation=conversation, sender=CustomerFactory(), text="let me in")
    assert not Message.objects.exists()


def test_message_send_notifies_once_per_unread_thread_and_never_by_email(
    conversation, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="first")
    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="second")

    notification = conversation.provider.notifications.get()
    assert notification.kind == "chat_message"
    assert notification.link == conversation.get_absolute_url()
    assert conversation.customer.get_short_name() in notification.text
    assert mailoutbox == []


@pytest.mark.usefixtures("urdu_catalog")
def test_the_new_message_notice_is_in_the_recipients_language_not_the_senders(
    conversation, django_capture_on_commit_callbacks
):
    conversation.provider.language = "ur"
    conversation.provider.save(update_fields=["language"])

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="hello")

    text = conversation.provider.notifications.get().text
    assert "کا نیا پیغام" in text, text
    assert "New message" not in text


def test_no_notification_while_the_recipient_has_the_conversation_open(
    conversation, django_capture_on_commit_callbacks
):
    viewer_enter(conversation_id=conversation.pk, user_id=conversation.provider.pk)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="you there?")
    assert not conversation.provider.notifications.exists()

    viewer_leave(conversation_id=conversation.pk, user_id=conversation.provider.pk)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="hello?")
    assert conversation.provider.notifications.count() == 1


def test_presence_counts_sockets_and_a_stale_count_reads_away(conversation):
    ids = {"conversation_id": conversation.pk, "user_id": conversation.provider.pk}
    viewer_enter(**ids)
    viewer_enter(**ids)  # a second tab
    viewer_leave(**ids)
    assert is_viewing(**ids)
    viewer_leave(**ids)
    viewer_leave(**ids)  # never below zero
    assert not is_viewing(**ids)

    viewer_enter(**ids)
    viewer_enter(**ids)
    old = timezone.now() - PRESENCE_TTL - timedelta(minutes=1)
    ConversationMember.objects.filter(conversation=conversation).update(viewers_at=old)  # a crashed process's
    assert not is_viewing(**ids)
    viewer_enter(**ids)  # starts again from one
    viewer_leave(**ids)
    assert not is_viewing(**ids)


def test_a_renewed_count_stays_and_a_stale_one_restarts_from_the_renewing_socket(conversation):
    ids = {"conversation_id": conversation.pk, "user_id": conversation.provider.pk}
    member = ConversationMember.objects.filter(conversation=conversation, user=conversation.provider)
    viewer_enter(**ids)
    viewer_enter(**ids)
    member.update(viewers_at=timezone.now() - PRESENCE_TTL + timedelta(minutes=1))
    viewer_still_here(**ids)
    assert member.get().viewers == 2 and member.get().viewers_at > timezone.now() - timedelta(minutes=1)

    member.update(viewers_at=timezone.now() - PRESENCE_TTL - timedelta(minutes=1))  # not renewed: a crash
    viewer_still_here(**ids)
    assert member.get().viewers == 1 and is_viewing(**ids)
    viewer_leave(**ids)
    viewer_still_here(**ids)  # a renewal landing just after its socket's own leave
    assert not is_viewing(**ids)


def test_only_a_live_count_of_one_says_the_sender_has_no_other_socket_open():
    now, stale = timezone.now(), timezone.now() - PRESENCE_TTL - timedelta(seconds=1)

    assert not viewing_elsewhere(1, now)
    assert viewing_elsewhere(2, now)
    assert viewing_elsewhere(1, stale) and viewing_elsewhere(0, now) and viewing_elsewhere(None, None)


def test_a_send_to_an_away_recipient_drops_their_cached_badge(conversation, django_capture_on_commit_callbacks):
    provider = conversation.provider
    assert user_cached(provider.pk, CHAT_BADGE, lambda: unread_total(user=provider)) == 0

    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="are you coming?")

    assert user_cached(provider.pk, CHAT_BADGE, lambda: unread_total(user=provider)) == 1


def test_read_pointer_only_moves_forward_and_never_past_the_newest_message(conversation):
    first = MessageFactory(conversation=conversation)
    second = MessageFactory(conversation=conversation)

    assert conversation_mark_read(conversation=conversation, user=conversation.provider, up_to_id=second.pk + 50) == (
        second.pk
    )
    assert conversation_mark_read(conversation=conversation, user=conversation.provider, up_to_id=first.pk) == (
        second.pk
    )
    conversation.refresh_from_db()
    assert (conversation.provider_read_up_to, conversation.customer_read_up_to) == (second.pk, 0)


def test_reading_the_thread_also_marks_its_new_message_notification_read(
    conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(conversation=conversation, sender=conversation.customer, text="hi")
    other = notification_create(recipient=conversation.provider, kind="booking", text="Paid", link="/b/")

    conversation_mark_read(conversation=conversation, user=conversation.provider, up_to_id=message.pk)

    assert conversation.provider.notifications.get(kind="chat_message").is_read
    other.refresh_from_db()
    assert not other.is_read


def test_staff_access_is_logged_and_only_staff_may_read(conversation):
    staff = StaffFactory()

    access = conversation_access_log(conversation=conversation, staff=staff)

    assert (access.conversation, access.staff) == (conversation, staff)
    with pytest.raises(DomainError):
        conversation_access_log(conversation=conversation, staff=conversation.customer)


def test_rate_limit_counts_only_the_senders_recent_messages(conversation, settings):
    settings.CHAT_RATE_LIMIT_COUNT = 2
    old = MessageFactory.create_batch(2, conversation=conversation, sender=conversation.customer)
    Message.objects.filter(pk__in=[m.pk for m in old]).update(created_at=timezone.now() - timedelta(seconds=11))
    MessageFactory.create_batch(2, conversation=conversation, sender=conversation.provider)

    message_send(conversation=conversation, sender=conversation.customer, text="one")
    message_send(conversation=conversation, sender=conversation.customer, text="two")
    with pytest.raises(RateLimited, match="too quickly"):
        message_send(conversation=conversation, sender=conversation.customer, text="three")


def test_a_long_lived_conversation_object_sees_the_booking_close(conversation):
    held = conversation_for_participant(user=conversation.customer, pk=conversation.pk)  # as a socket holds it
    message_send(conversation=held, sender=conversation.customer, text="see you at 9")

    Booking.objects.filter(pk=conversation.booking_id).update(status=Booking.Status.COMPLETED)

    with pytest.raises(DomainError, match="closed"):
        message_send(conversation=held, sender=conversation.customer, text="one more thing")


def test_a_long_lived_question_thread_closes_when_its_offer_expires(offer, provider):
    held = conversation_start_for_offer(offer_id=offer.pk, provider=provider)
    message_send(conversation=held, sender=provider, text="Is the fuse box indoors?")

    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(DomainError, match="closed"):
        message_send(conversation=held, sender=provider, text="Still there?")
    assert held.offer.expires_at < timezone.now()  # read back as an aware datetime


def test_rate_limit_counts_the_senders_messages_in_all_their_conversations(conversation, settings):
    settings.CHAT_RATE_LIMIT_COUNT = 2
    other = ConversationFactory(customer=conversation.customer)
    message_send(conversation=other, sender=conversation.customer, text="one")
    message_send(conversation=conversation, sender=conversation.customer, text="two")

    with pytest.raises(RateLimited):
        message_send(conversation=conversation, sender=conversation.customer, text="three")
    assert Message.objects.filter(sender=conversation.customer).count() == 2


def test_a_long_lived_question_thread_follows_into_the_booking(offer, provider):
    held = conversation_start_for_offer(offer_id=offer.pk, provider=provider)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.ACCEPTED)
    booking = BookingFactory(offer=offer, provider=provider)
    booking_attach_conversation(booking, None)

    message_send(conversation=held, sender=provider, text="Booked, thanks!")

    assert held.booking == booking


def test_a_failing_push_after_storing_does_not_fail_the_send(
    conversation, monkeypatch, django_capture_on_commit_callbacks
):
    def redis_down(**kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("chat.services.notification_unread_exists", redis_down)  # the push step, after the INSERT

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = message_send(conversation=conversation, sender=conversation.customer, text="stored anyway")

    assert [c.__qualname__ for c in callbacks].count("_deliver_message") == 1
    assert Message.objects.get() == message


@pytest.mark.django_db
def test_only_staff_allowed_to_read_conversations_get_a_read_logged():
    from accounts.tests.factories import StaffFactory, UserFactory
    from chat.models import ConversationAccess
    from chat.services import conversation_access_log
    from chat.tests.factories import ConversationFactory
    from servizo.exceptions import DomainError

    conversation = ConversationFactory()
    with pytest.raises(DomainError):
        conversation_access_log(conversation=conversation, staff=UserFactory(is_staff=True))
    conversation_access_log(conversation=conversation, staff=StaffFactory())
    assert ConversationAccess.objects.count() == 1


@pytest.mark.django_db
def test_a_provider_asks_about_an_offer_within_their_radius():
    provider = ProviderFactory(service_radius_km=20)
    offer = OfferFactory(place=prato())  # 16.4 km from Florence

    conversation = conversation_start_for_offer(offer_id=offer.pk, provider=provider)

    assert (conversation.offer, conversation.provider) == (offer, provider)
