"""Backfill the maintained chat counters from the messages and read pointers (one pass over conversations)."""

from django.db import migrations
from django.db.models import Count, F, Max, Q

BATCH = 1000


def backfill(apps, schema_editor):
    Conversation = apps.get_model("chat", "Conversation")
    ConversationMember = apps.get_model("chat", "ConversationMember")
    ChatInbox = apps.get_model("chat", "ChatInbox")
    conversations = Conversation.objects.annotate(
        newest=Max("messages__id"),
        customer_unread=Count(
            "messages", filter=Q(messages__id__gt=F("customer_read_up_to")) & ~Q(messages__sender=F("customer"))
        ),
        provider_unread=Count(
            "messages", filter=Q(messages__id__gt=F("provider_read_up_to")) & ~Q(messages__sender=F("provider"))
        ),
    ).order_by("id")
    inboxes: dict[int, list[int]] = {}
    members, updates = [], []
    for c in conversations.iterator(chunk_size=BATCH):
        for user_id, unread in ((c.customer_id, c.customer_unread), (c.provider_id, c.provider_unread)):
            members.append(ConversationMember(conversation_id=c.pk, user_id=user_id, unread=unread, last_message_id=c.newest or 0))
            inbox = inboxes.setdefault(user_id, [0, 0])
            inbox[0] += unread
            inbox[1] += 1
        if c.newest:
            c.last_message_id = c.newest
            updates.append(c)
    ConversationMember.objects.bulk_create(members, batch_size=BATCH)
    Conversation.objects.bulk_update(updates, ["last_message"], batch_size=BATCH)
    ChatInbox.objects.bulk_create(
        [ChatInbox(user_id=u, unread=unread, conversations=n) for u, (unread, n) in inboxes.items()], batch_size=BATCH
    )


def clear(apps, schema_editor):
    apps.get_model("chat", "ConversationMember").objects.all().delete()
    apps.get_model("chat", "ChatInbox").objects.all().delete()
    apps.get_model("chat", "Conversation").objects.update(last_message=None)


class Migration(migrations.Migration):
    dependencies = [("chat", "0002_counters")]

    operations = [migrations.RunPython(backfill, clear)]
