"""The maintained chat counters: correct after sends, reads and races, and pages that read them at flat cost."""

from functools import partial
from importlib import import_module

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from chat import services
from chat.models import ChatInbox, Conversation, ConversationMember, Message
from chat.presence import viewer_enter
from chat.selectors import CHAT_BADGE, ConversationPages, conversation_for_participant, messages_after, unread_total
from chat.services import (
    RateLimited,
    SocketRead,
    _refresh_status,
    conversation_mark_read,
    conversation_mark_read_from_socket,
    message_event,
    message_send,
    message_send_from_socket,
    message_store,
)
from chat.tests.factories import ConversationFactory, MessageFactory
from notifications.models import Notification
from offers.models import Offer
from offers.tests.factories import OfferFactory
from servizo.context_processors import NOTIFICATION_BADGE
from servizo.testing.concurrency import race
from servizo.testing.explain import index_problems, plan_rows
from servizo.usercache import user_cached

mariadb_only = pytest.mark.skipif("connection.vendor != 'mysql'", reason="needs MariaDB")
# The lock (the checks' read), the message, the conversation's and members' counters, the recipient's inbox (an upsert).
WRITES = ["SELECT", "INSERT", "UPDATE", "INSERT"]


def recount(user) -> tuple[dict[int, int], int, int]:
    """From the messages and read pointers: unread per conversation, the total, and the conversation count."""
    conversations = Conversation.objects.filter(Q(customer=user) | Q(provider=user)).annotate(
        customer_unread=Count(
            "messages", filter=Q(messages__id__gt=F("customer_read_up_to")) & ~Q(messages__sender=F("customer"))
        ),
        provider_unread=Count(
            "messages", filter=Q(messages__id__gt=F("provider_read_up_to")) & ~Q(messages__sender=F("provider"))
        ),
    )
    unread = {c.pk: c.customer_unread if c.customer_id == user.pk else c.provider_unread for c in conversations}
    return unread, sum(unread.values()), len(unread)


def assert_counters_match(user) -> None:
    unread, total, count = recount(user)
    members = dict(ConversationMember.objects.filter(user=user).values_list("conversation_id", "unread"))
    inbox = ChatInbox.objects.get(user=user)
    assert (members, inbox.unread, inbox.conversations) == (unread, total, count)
    for conversation in Conversation.objects.filter(pk__in=unread):
        newest = conversation.messages.order_by("-id").values_list("id", flat=True).first()
        assert conversation.last_message_id == newest
        assert set(conversation.members.values_list("last_message_id", flat=True)) == {newest or 0}


@pytest.mark.django_db
def test_counters_follow_sends_and_reads(conversation):
    customer, provider = conversation.customer, conversation.provider
    first, _ = MessageFactory.create_batch(2, conversation=conversation, sender=customer)
    MessageFactory(conversation=conversation, sender=provider)
    assert unread_total(user=provider) == 2 and unread_total(user=customer) == 1

    conversation_mark_read(conversation=conversation, user=provider, up_to_id=first.pk)
    assert unread_total(user=provider) == 1
    conversation_mark_read(conversation=conversation, user=provider, up_to_id=first.pk)  # not again
    assert unread_total(user=provider) == 1
    conversation_mark_read(conversation=conversation, user=provider, up_to_id=10**12)
    assert unread_total(user=provider) == 0

    for user in (customer, provider):
        assert_counters_match(user)


@pytest.mark.django_db
def test_a_recipient_without_an_inbox_row_gets_one_with_the_message_counted(conversation):
    ChatInbox.objects.filter(user=conversation.provider).delete()  # rows from before the counters existed

    MessageFactory(conversation=conversation, sender=conversation.customer)

    assert ChatInbox.objects.get(user=conversation.provider).unread == 1
    assert ConversationMember.objects.get(conversation=conversation, user=conversation.provider).unread == 1


@pytest.mark.django_db
def test_storing_a_message_is_a_lock_an_insert_and_two_counter_statements_on_mariadb(conversation):
    customer = conversation.customer
    with CaptureQueriesContext(connection) as queries:
        message_store(conversation=conversation, sender=customer, text="hi")

    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    if connection.vendor == "mysql":  # plus the (savepoint's) own round trips: inside the test's transaction
        assert [s for s in statements if s in ("SELECT", "INSERT", "UPDATE")] == WRITES
    assert_counters_match(conversation.provider)


@mariadb_only
@pytest.mark.django_db
def test_a_send_to_a_viewing_recipient_is_one_read_and_the_store_and_nothing_after_commit(
    conversation, django_capture_on_commit_callbacks
):
    viewer_enter(conversation_id=conversation.pk, user_id=conversation.provider.pk)
    conversation = conversation_for_participant(user=conversation.customer, pk=conversation.pk)  # as the socket has it
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="hi")

    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # the lock is the read for every check and the recipient's presence; then the insert and the counters
    assert [s for s in statements if s in ("SELECT", "INSERT", "UPDATE")] == WRITES
    assert queries.captured_queries[statements.index("SELECT")]["sql"].endswith("FOR UPDATE")
    assert not conversation.provider.notifications.exists()


@pytest.mark.django_db
def test_a_read_that_passes_messages_is_one_locking_read_and_the_counter_updates(
    conversation, monkeypatch, django_capture_on_commit_callbacks
):
    customer, provider = conversation.customer, conversation.provider
    other = ConversationFactory(provider=provider)
    MessageFactory(conversation=other, sender=other.customer)  # still unread after the read
    newest = MessageFactory.create_batch(2, conversation=conversation, sender=customer)[-1]
    conversation = conversation_for_participant(user=provider, pk=conversation.pk)
    pushed = []
    monkeypatch.setattr(services, "push_to_user", lambda **push: pushed.append(push))

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        conversation_mark_read(conversation=conversation, user=provider, up_to_id=newest.pk + 5)

    statements = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in ("SELECT", "UPDATE")]
    # the pointer, the newest message and what it passes; the pointer, the member's and the inbox's counts; the
    # unread total to push; the thread's "new message" notification
    assert [s.split()[0].upper() for s in statements] == ["SELECT", "UPDATE", "UPDATE", "UPDATE", "SELECT", "UPDATE"]
    if connection.vendor == "mysql":
        assert statements[0].endswith("FOR UPDATE")
    assert conversation.provider_read_up_to == newest.pk
    assert_counters_match(provider)
    # the reader's other pages get the total the transaction left, as a JSON (and msgpack) number
    assert pushed == [{"user_id": provider.pk, "payload": {"kind": "chat_unread", "total": 1}}]
    assert type(pushed[0]["payload"]["total"]) is int


@pytest.mark.django_db
def test_a_read_from_a_socket_leaves_its_pushes_to_the_socket(conversation, django_capture_on_commit_callbacks):
    message = MessageFactory(conversation=conversation, sender=conversation.customer)
    provider = conversation.provider
    conversation = conversation_for_participant(user=provider, pk=conversation.pk)

    with django_capture_on_commit_callbacks() as callbacks:
        read = conversation_mark_read_from_socket(conversation=conversation, user=provider, up_to_id=message.pk)
        again = conversation_mark_read_from_socket(conversation=conversation, user=provider, up_to_id=message.pk)

    assert read == SocketRead(event={"type": "chat.read", "user_id": provider.pk, "up_to": message.pk}, unread=0)
    assert again is None  # the pointer did not move: nothing to push
    # no push through a hop back into the socket's loop from its worker thread (the cache deletes stay)
    assert [c.__qualname__ for c in callbacks] == ["ResilientRedisCache.delete_many"]
    assert conversation.provider_read_up_to == message.pk


@mariadb_only
@pytest.mark.django_db(transaction=True)
def test_a_read_awaited_on_the_loop_moves_the_counters_answers_the_notification_and_drops_the_badges():
    conversation = ConversationFactory()  # the provider is away: the message notifies them
    provider = conversation.provider
    other = ConversationFactory(provider=provider)
    MessageFactory(conversation=other, sender=other.customer)  # still unread after the read
    message = message_send(conversation=conversation, sender=conversation.customer, text="hi")
    conversation = conversation_for_participant(user=provider, pk=conversation.pk)
    for badge in (CHAT_BADGE, NOTIFICATION_BADGE):
        user_cached(provider.pk, badge, lambda: "stale")
    read_on_the_loop = async_to_sync(services.aconversation_mark_read_from_socket)

    with CaptureQueriesContext(connection) as queries:
        read = read_on_the_loop(conversation=conversation, user=provider, up_to_id=message.pk + 5)
    again = read_on_the_loop(conversation=conversation, user=provider, up_to_id=message.pk)

    assert not queries.captured_queries  # all on the loop's own connection
    assert read == SocketRead(event={"type": "chat.read", "user_id": provider.pk, "up_to": message.pk}, unread=1)
    assert type(read.unread) is int and again is None
    assert conversation.provider_read_up_to == message.pk
    assert_counters_match(provider)
    assert not provider.notifications.filter(read_at__isnull=True, link=conversation.get_absolute_url()).exists()
    assert [user_cached(provider.pk, badge, lambda: "fresh") for badge in (CHAT_BADGE, NOTIFICATION_BADGE)] == [
        "fresh",
        "fresh",
    ]


def in_transaction() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@in_transaction")
        return bool(cursor.fetchone()[0])


def viewed_conversation() -> Conversation:
    """A conversation as the customer's socket holds it, its provider looking at it (nothing runs after commit)."""
    return viewed_conversation_of(ConversationFactory())


def viewed_conversation_of(conversation: Conversation) -> Conversation:
    viewer_enter(conversation_id=conversation.pk, user_id=conversation.provider_id)
    return conversation_for_participant(user=conversation.customer, pk=conversation.pk)


@mariadb_only
@pytest.mark.django_db(transaction=True)
def test_a_send_outside_a_transaction_is_two_round_trips_on_mariadb():
    conversation = viewed_conversation()

    with CaptureQueriesContext(connection) as queries:
        sent = message_send_from_socket(conversation=conversation, sender=conversation.customer, text="hi")

    first, second = (q["sql"] for q in queries.captured_queries)
    assert first.startswith("START TRANSACTION; SELECT") and first.endswith("FOR UPDATE")
    assert [s.split()[0] for s in second.split("; ")] == [*WRITES[1:], "COMMIT"]
    assert not in_transaction()
    assert list(Message.objects.values_list("pk", "text")) == [(sent.message_id, "hi")]
    assert sent.event == message_event(Message.objects.get())
    assert_counters_match(conversation.provider)
    assert_counters_match(conversation.customer)


def send_on_the_loop(conversation: Conversation, text: str = "hi"):
    """`amessage_send_from_socket` as the customer's socket awaits it."""
    return async_to_sync(services.amessage_send_from_socket)(
        conversation=conversation, sender=conversation.customer, text=text
    )


def send_from_a_thread(conversation: Conversation, text: str = "hi"):
    return message_send(conversation=conversation, sender=conversation.customer, text=text)


@mariadb_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("send", [send_from_a_thread, send_on_the_loop], ids=["thread", "loop"])
def test_a_refused_send_outside_a_transaction_rolls_back_and_stores_nothing(settings, send):
    conversation = viewed_conversation()
    settings.CHAT_RATE_LIMIT_COUNT = 0  # refused by the checks on the locked read

    with pytest.raises(RateLimited):
        send(conversation)

    assert not in_transaction()  # the conversation's lock went with it
    assert not Message.objects.exists()
    settings.CHAT_RATE_LIMIT_COUNT = 100
    send(conversation, "within the limit")  # its connection was rolled back, and serves the next send
    assert Message.objects.count() == 1


@mariadb_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_failing_in_the_stores_packet_rolls_back_what_ran_before_it(monkeypatch):
    conversation = viewed_conversation()
    insert, counters = services._store_sql()
    failing = f"UPDATE {ChatInbox._meta.db_table} SET no_such_column = 1"  # after the insert and every counter
    monkeypatch.setattr(services, "_store_sql", lambda: (insert, [*counters, failing]))

    with pytest.raises(DatabaseError):  # Django's, as from any query: the socket answers "send it again"
        message_send(conversation=conversation, sender=conversation.customer, text="hi")

    assert not in_transaction()
    assert not Message.objects.exists()
    assert_counters_match(conversation.provider)
    monkeypatch.undo()
    message_send(conversation=conversation, sender=conversation.customer, text="again")  # the connection still works
    assert_counters_match(conversation.provider)


@mariadb_only
@pytest.mark.django_db(transaction=True)
def test_a_send_awaited_on_the_loop_stores_the_message_with_its_counters_and_commits():
    conversation = viewed_conversation()
    viewer_enter(conversation_id=conversation.pk, user_id=conversation.customer_id)  # the sending socket

    with CaptureQueriesContext(connection) as queries:
        sent = send_on_the_loop(conversation)

    assert not queries.captured_queries  # nothing on this thread's connection: the loop's own did it all
    assert list(Message.objects.values_list("pk", "text")) == [(sent.message_id, "hi")]
    assert sent.event == message_event(Message.objects.get()) and not sent.sender_elsewhere
    assert_counters_match(conversation.provider)
    assert_counters_match(conversation.customer)
    assert not conversation.provider.notifications.exists()  # looking at it


@mariadb_only
@pytest.mark.django_db(transaction=True)
def test_a_send_on_the_loop_tells_a_recipient_who_is_away_and_a_failure_to_tell_does_not_undo_it(monkeypatch):
    conversation = ConversationFactory()  # nobody looking
    conversation = conversation_for_participant(user=conversation.customer, pk=conversation.pk)

    send_on_the_loop(conversation)
    assert conversation.provider.notifications.count() == 1

    def failing(**kwargs):
        raise DatabaseError("the notification could not be written")

    monkeypatch.setattr(services, "notification_create", failing)
    Notification.objects.update(read_at=timezone.now())  # so the next message notifies again
    sent = send_on_the_loop(conversation, "again")
    assert Message.objects.filter(pk=sent.message_id).exists()  # stored and acked: no "send it again"


@mariadb_only
@pytest.mark.django_db(transaction=True)
def test_a_send_on_the_loop_follows_the_thread_onto_its_new_booking():
    conversation = viewed_conversation()
    booking = conversation.booking
    Conversation.objects.filter(pk=conversation.pk).update(booking=None)
    conversation = viewed_conversation_of(conversation)  # the socket opened before the booking existed
    Conversation.objects.filter(pk=conversation.pk).update(booking=booking)

    send_on_the_loop(conversation)

    assert conversation.booking == booking and conversation.booking.status == booking.status


@mariadb_only
@pytest.mark.django_db(transaction=True)
def test_a_send_locks_its_conversation_and_none_of_the_rows_its_checks_read():
    conversation = ConversationFactory()
    customer = conversation.customer
    others = [
        (User, customer.pk),
        (User, conversation.provider_id),
        (Booking, conversation.booking_id),
        (Offer, conversation.offer_id),
        (ConversationMember, conversation.members.get(user=conversation.provider).pk),
    ]

    def lockable(model, pk) -> bool:
        try:
            with transaction.atomic():
                model.objects.select_for_update(nowait=True).get(pk=pk)
            return True
        except OperationalError:  # 3572/1205: held by the send
            return False

    with transaction.atomic():
        conversation = conversation_for_participant(user=customer, pk=conversation.pk)
        _refresh_status(conversation, sender_id=customer.pk, lock=True)  # what message_send runs first
        results = race([partial(lockable, model, pk) for model, pk in [*others, (Conversation, conversation.pk)]])

    assert results == [True] * len(others) + [False]


@pytest.mark.django_db
def test_a_new_conversation_counts_in_both_inboxes_once(conversation):
    ConversationFactory(offer=conversation.offer, provider=conversation.provider, customer=conversation.customer)

    assert ChatInbox.objects.get(user=conversation.customer).conversations == 1
    assert ChatInbox.objects.get(user=conversation.provider).conversations == 1
    assert conversation.members.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
@mariadb_only
def test_counters_stay_exact_when_sends_reads_and_resyncs_race():
    conversation = ConversationFactory()
    customer, provider = conversation.customer, conversation.provider

    def fresh() -> Conversation:
        return Conversation.objects.select_related("offer", "booking", "customer", "provider").get(pk=conversation.pk)

    def send(sender) -> Message:
        return message_store(conversation=fresh(), sender=sender, text="hi")

    def resync_and_read(reader) -> int:
        seen, _ = messages_after(conversation=fresh(), after_id=0)
        return conversation_mark_read(conversation=fresh(), user=reader, up_to_id=seen[-1].pk if seen else 0)

    for _ in range(8):
        results = race(
            [partial(send, customer)] * 3
            + [partial(send, provider)] * 2
            + [partial(resync_and_read, provider), partial(resync_and_read, customer)]
            + [partial(conversation_mark_read, conversation=fresh(), user=provider, up_to_id=10**12)]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert_counters_match(customer)
        assert_counters_match(provider)


def _conversations_with_messages(user, n: int) -> None:
    for _ in range(n):
        other = ConversationFactory(provider=user)
        MessageFactory(conversation=other, sender=other.customer)


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_chat_list_and_navbar_cost_the_same_queries_at_3_and_60_conversations(client):
    provider = ProviderFactory()
    client.force_login(provider)
    counts = {}
    for added in (3, 57):  # 3, then 60 conversations
        _conversations_with_messages(provider, added)
        for name in ("chat:list", "dashboard", "notifications:list"):
            if name != "notifications:list":  # (which marks what it shows read, dropping its badge each time)
                client.get(reverse(name))  # measured on a warm cache: badges, categories, the feed count
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            counts.setdefault(name, []).append(len(queries.captured_queries))
            inbox_reads = [q for q in queries.captured_queries if ChatInbox._meta.db_table in q["sql"]]
            # At most one read: the list's pager and the navbar share it; other pages take the badge from
            # the cache once a page filled it.
            assert len(inbox_reads) <= 1, name
    assert all(small == large for small, large in counts.values()), counts


@pytest.mark.django_db(transaction=True)  # ANALYZE TABLE commits implicitly
@pytest.mark.usefixtures("seeded_categories")
@mariadb_only
def test_chat_list_and_unread_total_plans_use_indexes():
    provider, customer = ProviderFactory(), CustomerFactory()
    offer = OfferFactory(customer=customer)
    fields = {f.attname: getattr(offer, f.attname) for f in Offer._meta.concrete_fields if not f.primary_key}
    offers = Offer.objects.bulk_create([Offer(**fields) for _ in range(300)])
    providers = [provider] + [ProviderFactory() for _ in range(9)]
    Conversation.objects.bulk_create(
        [Conversation(offer=o, customer=customer, provider=p) for o in offers for p in providers]
    )
    ConversationMember.objects.bulk_create(
        [
            ConversationMember(conversation=c, user_id=user_id, last_message_id=c.pk % 7)
            for c in Conversation.objects.all()
            for user_id in (c.customer_id, c.provider_id)
        ]
    )
    ChatInbox.objects.bulk_create([ChatInbox(user=u) for u in [customer, *providers]])
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE TABLE chat_conversation, chat_conversationmember, chat_chatinbox, offers_offer, accounts_user"
        )
    large = {"chat_conversation", "chat_conversationmember", "chat_message", "offers_offer"}

    for user in (provider, customer):
        inbox = ChatInbox.objects.filter(user_id=user.pk)
        assert not index_problems(*inbox.query.sql_with_params(), large_tables=large)
        pages = ConversationPages(user=user)
        with CaptureQueriesContext(connection) as page:
            assert len(pages[20:40]) == 20
        members, conversations = page.captured_queries  # two queries, each through an index
        for query in (members, conversations):
            assert not index_problems(query["sql"], large_tables=large)
        assert "chat_member_user_activity" in str(plan_rows(members["sql"]))


@pytest.mark.django_db
def test_the_data_migration_backfills_the_counters_from_messages_and_pointers(conversation):
    from django.apps import apps

    backfill = import_module("chat.migrations.0003_backfill_counters").backfill
    customer, provider = conversation.customer, conversation.provider
    read = MessageFactory(conversation=conversation, sender=customer)
    MessageFactory.create_batch(2, conversation=conversation, sender=customer)
    MessageFactory(conversation=conversation, sender=provider)
    conversation_mark_read(conversation=conversation, user=provider, up_to_id=read.pk)
    ConversationFactory(customer=customer)  # no messages yet
    ConversationMember.objects.all().delete()
    ChatInbox.objects.all().delete()
    Conversation.objects.update(last_message=None)

    backfill(apps, None)

    assert unread_total(user=provider) == 2 and unread_total(user=customer) == 1
    for user in (customer, provider):
        assert_counters_match(user)
