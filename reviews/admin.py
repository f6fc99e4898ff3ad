"""Moderation console: staff hide/unhide reviews through the services, with a required reason."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy, ngettext

from reviews import services
from reviews.forms import ModerationReasonForm
from reviews.models import CustomerRating, ProviderReputation, Review, ReviewModerationEvent, ReviewReply
from servizo.admin import ReadOnlyAdminMixin, admin_site
from servizo.exceptions import DomainError


class ReplyInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = ReviewReply
    fields = ["provider", "text", "created_at"]
    readonly_fields = fields


class ModerationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReviewModerationEvent
    fields = ["created_at", "action", "actor", "reason"]
    readonly_fields = fields


@admin.register(Review, site=admin_site)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "provider", "customer", "rating", "is_hidden", "created_at"]
    list_filter = ["is_hidden", "rating"]
    search_fields = ["comment", "provider__email", "provider__full_name", "customer__email", "customer__full_name"]
    list_select_related = ["provider", "customer"]
    date_hierarchy = "created_at"
    fields = [
        "booking",
        "customer",
        "provider",
        "rating",
        "comment",
        "created_at",
        "edited_at",
        "is_hidden",
        "hidden_reason",
        "hidden_by",
        "hidden_at",
    ]
    readonly_fields = fields
    inlines = [ReplyInline, ModerationEventInline]
    actions = ["hide_reviews", "unhide_reviews"]

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("reviews.moderate_review")

    def _moderate(self, request, queryset, *, service, hiding: bool):
        """Ask for a reason on an intermediate page, then call the service for each review (hide or restore)."""
        form = ModerationReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            count = queryset.count()
            if hiding:
                title = ngettext("Hide %(count)d review", "Hide %(count)d reviews", count)
            else:
                title = ngettext("Restore %(count)d review", "Restore %(count)d reviews", count)
            return TemplateResponse(
                request,
                "admin/reviews/review/moderate.html",
                {
                    **self.admin_site.each_context(request),
                    "title": title % {"count": count},
                    "opts": self.model._meta,
                    "queryset": queryset,
                    "form": form,
                    "action": request.POST["action"],
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                    "hiding": hiding,
                },
            )
        done = 0
        for review in queryset:
            try:
                service(review_id=review.pk, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        if hiding:
            result = ngettext("%(count)d review hidden.", "%(count)d reviews hidden.", done)
        else:
            result = ngettext("%(count)d review restored.", "%(count)d reviews restored.", done)
        self.message_user(request, result % {"count": done}, messages.SUCCESS if done else messages.WARNING)
        return None

    @admin.action(description=gettext_lazy("Hide selected reviews (asks for a reason)"), permissions=["moderate"])
    def hide_reviews(self, request, queryset):
        return self._moderate(request, queryset, service=services.review_hide, hiding=True)

    @admin.action(
        description=gettext_lazy("Restore selected hidden reviews (asks for a reason)"), permissions=["moderate"]
    )
    def unhide_reviews(self, request, queryset):
        return self._moderate(request, queryset, service=services.review_unhide, hiding=False)


@admin.register(CustomerRating, site=admin_site)
class CustomerRatingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "customer", "provider", "rating", "created_at"]
    list_filter = ["rating"]
    search_fields = ["customer__email", "customer__full_name", "provider__email", "note"]
    list_select_related = ["customer", "provider"]
    fields = ["booking", "customer", "provider", "rating", "note", "created_at"]
    readonly_fields = fields


@admin.register(ProviderReputation, site=admin_site)
class ProviderReputationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "rating_count", "average", "updated_at"]
    list_select_related = ["provider"]
    search_fields = ["provider__email", "provider__full_name"]


class ReputationPanel:
    """On the provider queue (accounts): the visible-review rating (console/admin.py builds the page)."""

    panel_list_display = ["rating"]
    panel_list_select_related = ["user__reputation"]

    @admin.display(description=gettext_lazy("Rating"))
    def rating(self, profile) -> str:
        reputation = getattr(profile.user, "reputation", None)
        if reputation is None or not reputation.rating_count:
            return "—"
        return f"{reputation.average}★ ({reputation.rating_count})"
