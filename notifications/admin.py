from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import OutgoingEmail
from notifications.outbox import email_retry_now
from servizo.admin import ReadOnlyAdminMixin, admin_site


@admin.register(OutgoingEmail, site=admin_site)
class OutgoingEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Emails the mail server has not taken yet (or gave up on), with the last error; staff may retry."""

    list_display = ["created_at", "subject", "recipients", "status", "attempts", "next_attempt_at", "error"]
    list_filter = ["status"]
    search_fields = ["subject", "to"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    @admin.display(description=gettext_lazy("To"))
    def recipients(self, obj: OutgoingEmail) -> str:
        return ", ".join(obj.to)

    @admin.display(description=gettext_lazy("Last error"))
    def error(self, obj: OutgoingEmail) -> str:
        return Truncator(obj.last_error).chars(80)

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_outgoingemail")

    @admin.action(description=gettext_lazy("Retry sending now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        results = [email_retry_now(email_id=pk) for pk in queryset.values_list("pk", flat=True)]
        sent = sum(results)
        self.message_user(
            request, _("%(sent)d sent, %(failed)d failed again.") % {"sent": sent, "failed": len(results) - sent}
        )
