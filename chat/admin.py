from django.contrib import admin

from chat.models import Conversation, ConversationAccess, Message
from chat.services import conversation_access_log
from servizo.admin import admin_site


class ReadOnlyAdminMixin:
    """Conversations are evidence: staff read them here, nobody edits or deletes them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    fields = ["created_at", "sender", "text"]
    readonly_fields = fields
    extra = 0

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
        """Every staff read of a conversation is logged (disputes need it, privacy demands it)."""
        conversation = self.get_object(request, object_id)
        if conversation is not None and request.method == "GET":
            conversation_access_log(conversation=conversation, staff=request.user)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ConversationAccess, site=admin_site)
class ConversationAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["accessed_at", "staff", "conversation"]
    list_select_related = ["staff", "conversation"]
    search_fields = ["staff__email"]
    date_hierarchy = "accessed_at"
