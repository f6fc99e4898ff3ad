"""Conversations between a customer and one provider, about an offer and then its booking.

A conversation is identified by (offer, provider): a provider's questions on an open offer and,
once that provider's acceptance creates a booking, the booking conversation are one thread.
Each side has a read pointer ("read up to message id N"); unread = newer messages from the other side.
Unread counts and last activity are maintained aggregates (`ConversationMember`, `ChatInbox`), written by
`chat.services` in the same transaction as each message and read-pointer move, so pages read one row
instead of counting messages.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import PrivateMediaStorage
from bookings.models import Booking
from offers.models import Offer


class Conversation(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="conversations", verbose_name=_("offer"))
    # The booking this thread carries on into (the latest one made by this provider on the offer).
    booking = models.ForeignKey(
        Booking,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("booking"),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="customer_conversations",
        verbose_name=_("customer"),
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="provider_conversations",
        verbose_name=_("provider"),
    )
    customer_read_up_to = models.PositiveBigIntegerField(_("customer read up to"), default=0)
    provider_read_up_to = models.PositiveBigIntegerField(_("provider read up to"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Maintained by chat.services on each send (None until the first message).
    last_message = models.ForeignKey(
        "chat.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("last message"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(fields=["offer", "provider"], name="one_conversation_per_offer_provider")
        ]

    def __str__(self) -> str:
        return f"{self.customer} ↔ {self.provider}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("chat:conversation", args=[self.pk])

    @property
    def subject(self) -> str:
        return self.booking.title if self.booking_id else self.offer.title

    @property
    def is_read_only(self) -> bool:
        """Writable while its booking runs, or while the offer is open for questions."""
        if self.booking_id and not self.booking.is_closed:
            return False
        return not self.offer.is_open

    def is_participant(self, user) -> bool:
        return user.pk in (self.customer_id, self.provider_id)

    def other_party(self, user):
        return self.provider if user.pk == self.customer_id else self.customer

    def other_party_id(self, user_id: int) -> int:
        return self.provider_id if user_id == self.customer_id else self.customer_id

    def read_pointer_field(self, user) -> str:
        return "customer_read_up_to" if user.pk == self.customer_id else "provider_read_up_to"


def _private_storage() -> PrivateMediaStorage:
    return PrivateMediaStorage()


class ChatPhoto(models.Model):
    """A photo sent in a conversation (servizo.images: re-encoded, no metadata); its message points to it.

    Served by chat.views.chat_photo to the conversation's two parties and staff who may read conversations.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="photos", verbose_name=_("conversation")
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploader")
    )
    image = models.FileField(_("image"), upload_to="chat-photos/%Y/%m/", storage=_private_storage)
    thumbnail = models.FileField(_("thumbnail"), upload_to="chat-photos/%Y/%m/", storage=_private_storage)
    content_type = models.CharField(_("content type"), max_length=20)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("chat photo")
        verbose_name_plural = _("chat photos")
        indexes = [models.Index(fields=["uploader", "created_at"])]  # the per-user hourly photo cap

    def __str__(self) -> str:
        return _("Photo %(id)s in #%(conversation)s") % {"id": self.pk, "conversation": self.conversation_id}


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sender")
    )
    text = models.TextField(_("text"), blank=True)  # empty only for a photo sent without a caption
    photo = models.OneToOneField(
        ChatPhoto, null=True, blank=True, on_delete=models.SET_NULL, related_name="message", verbose_name=_("photo")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["sender", "created_at"])]  # the per-user rate limit

    def __str__(self) -> str:
        return self.text[:60] or _("Photo %(id)s") % {"id": self.photo_id}


class ConversationMember(models.Model):
    """One participant's side of a conversation: their unread count and the thread's last activity.

    The chat list is `filter(user=...)` ordered by `last_message_id` through one index, without
    the customer-OR-provider filter that no single index serves.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="members", verbose_name=_("conversation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    unread = models.PositiveIntegerField(_("unread"), default=0)
    last_message_id = models.PositiveBigIntegerField(_("last message id"), default=0)  # 0 before the first message
    # Presence (chat.presence): the user's chat sockets open on this conversation, and when one last opened.
    viewers = models.PositiveIntegerField(_("open chat windows"), default=0)
    viewers_at = models.DateTimeField(_("last opened"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation member")
        verbose_name_plural = _("conversation members")
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="one_member_per_side")]
        indexes = [models.Index(fields=["user", "last_message_id"], name="chat_member_user_activity")]

    def __str__(self) -> str:
        return f"{self.user_id} in #{self.conversation_id}: {self.unread} unread"


class ChatInbox(models.Model):
    """Per user: unread messages over all conversations (the navbar) and how many conversations (the pager)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("user")
    )
    unread = models.PositiveIntegerField(_("unread"), default=0)
    conversations = models.PositiveIntegerField(_("conversations"), default=0)

    class Meta:
        verbose_name = _("chat inbox")
        verbose_name_plural = _("chat inboxes")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.unread} unread"


class ConversationAccess(models.Model):
    """Audit row: a staff member read a conversation they are not part of (disputes)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="staff_accesses", verbose_name=_("conversation")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff")
    )
    accessed_at = models.DateTimeField(_("accessed at"), auto_now_add=True)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        verbose_name = _("conversation access")
        verbose_name_plural = _("conversation accesses")

    def __str__(self) -> str:
        return _("%(staff)s read #%(conversation)s") % {"staff": self.staff, "conversation": self.conversation_id}
