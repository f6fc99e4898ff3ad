from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Booking
from chat.models import Conversation, ConversationAccess, Message
from chat.services import conversation_access_log
from servizo.admin import ReadOnlyAdminMixin, admin_site, photo_preview


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    fields = ["created_at", "sender", "text", "photo_link"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=gettext_lazy("Photo"))
    def photo_link(self, message: Message) -> str:
        if not message.photo_id:
            return ""
        args = [message.photo_id]
        return photo_preview(reverse("chat:photo", args=args), reverse("chat:photo_thumbnail", args=args))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sender")


class ConversationAccessInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ConversationAccess
    fields = ["accessed_at", "staff"]
    readonly_fields = fields
    extra = 0


@admin.register(Conversation, site=admin_site)
class ConversationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "customer", "provider", "offer", "booking", "created_at"]
    list_select_related = ["customer", "provider", "offer", "booking"]
    search_fields = ["customer__email", "customer__full_name", "provider__email", "provider__full_name", "offer__title"]
    list_filter = ["booking__status"]
    date_hierarchy = "created_at"
    fields = ["customer", "provider", "offer", "booking", "created_at"]
    readonly_fields = fields
    inlines = [MessageInline, ConversationAccessInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Every staff read of a conversation is logged (disputes need it, privacy demands it).

        Only reads that happened: Django's view checks the permission first (403, nothing logged),
        and the row is written when the page with the messages is actually rendered.
        """
        response = super().change_view(request, object_id, form_url, extra_context)
        context = getattr(response, "context_data", None) or {}
        conversation = context.get("original")
        shows_messages = any(
            isinstance(inline.opts, MessageInline) for inline in context.get("inline_admin_formsets", [])
        )
        if request.method == "GET" and response.status_code == 200 and conversation is not None and shows_messages:

            def log_read(rendered) -> None:  # a callback returning something would replace the response
                conversation_access_log(conversation=conversation, staff=request.user)

            response.add_post_render_callback(log_read)
        return response


@admin.register(ConversationAccess, site=admin_site)
class ConversationAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["accessed_at", "staff", "conversation"]
    list_select_related = ["staff", "conversation"]
    search_fields = ["staff__email"]
    date_hierarchy = "accessed_at"


class BookingConversationPanel:
    """On the booking page (bookings): a link to its conversation (console/admin.py builds the page)."""

    panel_fieldsets = [(gettext_lazy("Conversation"), {"fields": ["conversation_link"]})]

    @admin.display(description=gettext_lazy("Conversation"))
    def conversation_link(self, booking: Booking) -> str:
        conversation = Conversation.objects.filter(booking=booking).only("pk").first()
        if conversation is None:
            return _("No conversation yet.")
        url = reverse(f"{admin_site.name}:chat_conversation_change", args=[conversation.pk])
        return format_html('<a href="{}">{}</a> {}', url, _("Read the conversation"), _("(staff reads are logged)"))
