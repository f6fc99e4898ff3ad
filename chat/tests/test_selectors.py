import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from chat.models import ChatPhoto, Conversation, Message
from chat.presence import is_viewing
from chat.selectors import (
    amessage_payloads_after,
    conversation_for_participant,
    conversation_list,
    message_payload,
    messages_after,
    messages_before,
    unread_total,
)
from chat.services import aconversation_open_from_socket, conversation_mark_read
from chat.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_participant_gets_the_conversation_and_anyone_else_nothing(conversation, customer):
    assert conversation_for_participant(user=conversation.customer, pk=conversation.pk) == conversation
    assert conversation_for_participant(user=conversation.provider, pk=conversation.pk) == conversation
    assert conversation_for_participant(user=customer, pk=conversation.pk) is None


def test_list_has_unread_counts_and_last_messages_in_bounded_queries(django_assert_num_queries):
    provider_side = ConversationFactory()
    provider = provider_side.provider
    for _ in range(4):
        conversation = ConversationFactory(provider=provider)
        MessageFactory(conversation=conversation, sender=conversation.customer)
        MessageFactory(conversation=conversation, sender=provider)
    read = MessageFactory(conversation=provider_side, sender=provider_side.customer)
    last = MessageFactory(conversation=provider_side, sender=provider_side.customer)
    conversation_mark_read(conversation=provider_side, user=provider, up_to_id=read.pk)

    with django_assert_num_queries(1):
        conversations = list(conversation_list(user=provider))

    assert len(conversations) == 5
    assert conversations[0] == provider_side  # latest message first
    by_id = {c.pk: c for c in conversations}
    assert by_id[provider_side.pk].unread == 1
    assert by_id[provider_side.pk].last_message == last
    assert sorted(c.unread for c in conversations) == [1, 1, 1, 1, 1]
    with django_assert_num_queries(1):
        assert unread_total(user=provider) == 5
    assert unread_total(user=provider_side.customer) == 0


def test_own_messages_never_count_as_unread(conversation):
    MessageFactory(conversation=conversation, sender=conversation.customer)

    assert unread_total(user=conversation.customer) == 0
    assert conversation_list(user=conversation.customer).get().unread == 0
    assert conversation_list(user=conversation.provider).get().unread == 1


def test_history_pages_upwards_and_resync_pages_forwards(conversation):
    messages = [MessageFactory(conversation=conversation) for _ in range(5)]

    newest, more = messages_before(conversation=conversation, limit=2)
    assert (newest, more) == (messages[3:], True)
    older, more = messages_before(conversation=conversation, before_id=messages[3].pk, limit=2)
    assert (older, more) == (messages[1:3], True)
    oldest, more = messages_before(conversation=conversation, before_id=messages[1].pk, limit=2)
    assert (oldest, more) == (messages[:1], False)

    assert messages_after(conversation=conversation, after_id=messages[1].pk, limit=2) == (messages[2:4], True)
    assert messages_after(conversation=conversation, after_id=messages[3].pk) == (messages[4:], False)


def test_a_resync_is_one_query_however_many_messages_and_senders(conversation, django_assert_num_queries):
    for sender in (conversation.customer, conversation.provider) * 10:
        MessageFactory(conversation=conversation, sender=sender)
    opened = conversation_for_participant(user=conversation.customer, pk=conversation.pk)  # as a socket holds it

    with django_assert_num_queries(1):
        messages, _ = messages_after(conversation=opened, after_id=0)
        payloads = [message_payload(message) for message in messages]

    assert [p["sender_name"] for p in payloads[:2]] == [
        conversation.customer.get_short_name(),
        conversation.provider.get_short_name(),
    ]


@pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB only (servizo.loopdb)")
@pytest.mark.django_db(transaction=True)  # the loop's own connection sees only what is committed
def test_a_resync_on_the_event_loop_gives_the_payloads_the_orm_gives(conversation, staff_user):
    parties = (conversation.customer, conversation.provider)
    messages = [MessageFactory(conversation=conversation, sender=sender) for sender in parties * 3]
    photo = ChatPhoto.objects.create(conversation=conversation, uploader=parties[1], content_type="image/jpeg")
    Message.objects.filter(pk=messages[1].pk).update(photo=photo)
    opened = conversation_for_participant(user=conversation.customer, pk=conversation.pk)  # as a socket holds it
    on_the_loop = async_to_sync(amessage_payloads_after)

    for after, limit in ((0, 200), (messages[1].pk, 2), (messages[-1].pk, 2)):
        page, more = messages_after(conversation=opened, after_id=after, limit=limit)
        expected = ([message_payload(message) for message in page], more)
        assert on_the_loop(conversation=opened, after_id=after, limit=limit) == expected

    Message.objects.filter(pk=messages[2].pk).update(sender=staff_user)  # not a party: the ORM finds the name
    assert on_the_loop(conversation=opened, after_id=0) is None


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


@pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB only (servizo.loopdb)")
@pytest.mark.django_db(transaction=True)  # the loop's own connection sees only what is committed
@pytest.mark.parametrize("booked", [True, False])
def test_a_sockets_open_on_the_event_loop_loads_what_the_orm_loads(booked, customer, django_assert_num_queries):
    conversation = ConversationFactory()
    if not booked:  # a thread about an offer, before any booking
        Conversation.objects.filter(pk=conversation.pk).update(booking=None)
    expected = conversation_for_participant(user=conversation.provider, pk=conversation.pk)
    open_on_the_loop = async_to_sync(aconversation_open_from_socket)

    opened = open_on_the_loop(user=conversation.provider, pk=conversation.pk)

    with django_assert_num_queries(0):  # the relations came with it, as select_related loads them
        related = [opened.offer, opened.booking, opened.customer, opened.provider]
    expected_related = [expected.offer, expected.booking, expected.customer, expected.provider]
    assert [_fields(o) if o else None for o in [opened, *related]] == [
        _fields(o) if o else None for o in [expected, *expected_related]
    ]
    assert (opened.booking is None) is not booked and not opened._state.adding and opened._state.db == "default"
    assert is_viewing(conversation_id=conversation.pk, user_id=conversation.provider_id)
    assert open_on_the_loop(user=customer, pk=conversation.pk) is None  # not a party: nothing, and not counted
    assert not is_viewing(conversation_id=conversation.pk, user_id=customer.pk)
