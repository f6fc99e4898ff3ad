"""The operator console for people: users, categories and the provider approval queue.

Every status change goes through accounts.services.provider_transition.
"""

from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from accounts.models import LegalPage, PortfolioPhoto, ProviderProfile, ProviderStatusEvent, ServiceCategory, User
from accounts.selectors import legal_page
from accounts.services import legal_page_publish, provider_transition
from servizo.admin import ReadOnlyAdminMixin, admin_site, photo_preview
from servizo.exceptions import DomainError
from servizo.forms import MoneyField
from servizo.timezones import format_date, format_when

Status = ProviderProfile.Status
CATEGORY_DESCRIPTION_MAX_LENGTH = 1000
# What the operator is told after a review move, per status reached (whole sentences, for word order).
MOVED_MESSAGES = {
    Status.APPROVED: ngettext_lazy(
        "%(count)d provider now approved; they were emailed.",
        "%(count)d providers now approved; each was emailed.",
        "count",
    ),
    Status.REJECTED: ngettext_lazy(
        "%(count)d provider now rejected; they were emailed.",
        "%(count)d providers now rejected; each was emailed.",
        "count",
    ),
    Status.SUSPENDED: ngettext_lazy(
        "%(count)d provider now suspended; they were emailed.",
        "%(count)d providers now suspended; each was emailed.",
        "count",
    ),
}


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "role"]


class UserAdminChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User, site=admin_site)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin (password hashing, 'set password' page) adapted to email login."""

    form = UserAdminChangeForm
    add_form = UserCreationForm
    list_display = ["email", "full_name", "role", "is_staff", "is_active", "date_joined"]
    list_filter = ["role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name", "phone"]
    ordering = ["email"]
    date_hierarchy = "date_joined"
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (gettext_lazy("Profile"), {"fields": ["full_name", "phone", "role"]}),
        (
            gettext_lazy("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (gettext_lazy("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "role", "usable_password", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]


class ServiceCategoryForm(forms.ModelForm):
    suggested_price_cents = MoneyField(
        label=gettext_lazy("Suggested price"), help_text=gettext_lazy("Shown to customers as a hint, e.g. 75.")
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=CATEGORY_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = ServiceCategory
        fields = ["name", "name_ur", "slug", "description", "icon", "suggested_price_cents", "is_active", "ordering"]


@admin.register(LegalPage, site=admin_site)
class LegalPageAdmin(admin.ModelAdmin):
    """/terms/ and /privacy/: each save publishes the next version (signups record the terms version)."""

    list_display = ["kind", "version", "updated_at", "updated_by"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    fields = ["kind", "body", *readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "kind"] if obj else self.readonly_fields

    def get_changeform_initial_data(self, request):
        # A new page starts from the text the site shows now (the default).
        kind = request.GET.get("kind", LegalPage.Kind.TERMS)
        if kind not in LegalPage.Kind.values:
            kind = LegalPage.Kind.TERMS
        return {"kind": kind, "body": legal_page(kind).body}

    def save_model(self, request, obj, form, change):
        page = legal_page_publish(kind=obj.kind, body=form.cleaned_data["body"], actor=request.user)
        obj.pk, obj.version = page.pk, page.version


@admin.register(ServiceCategory, site=admin_site)
class ServiceCategoryAdmin(admin.ModelAdmin):
    form = ServiceCategoryForm
    list_display = ["name", "name_ur", "slug", "suggested_price_cents", "is_active", "ordering"]
    list_editable = ["is_active", "ordering"]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "name_ur"]


class ProviderStatusEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The verification audit log: written only by provider_transition, never edited here."""

    model = ProviderStatusEvent
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at", "-id"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=1000,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Sent to the provider by email and shown on their status page."),
    )


def _reason_action(name: str, *, from_status: str, to_status: str, title: str, description: str, button: str):
    """An admin action that asks for a reason on an intermediate page, then moves each profile.

    `title` heads the reason page, `description` names the action in the list's menu, `button` the
    provider page's button (three whole phrases: each language has its own word order)."""

    @admin.action(description=description, permissions=["review"])
    def action(modeladmin, request, queryset):
        return modeladmin._with_reason(
            request, queryset, from_status=from_status, to_status=to_status, title=title, action=name
        )

    action.__name__ = name
    action.from_status, action.button = from_status, button
    return action


class PortfolioPhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PortfolioPhoto
    fields = ["created_at", "caption", "preview"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=gettext_lazy("Photo"))
    def preview(self, photo: PortfolioPhoto) -> str:
        args = [photo.pk]
        return photo_preview(reverse("portfolio_photo", args=args), reverse("portfolio_photo_thumbnail", args=args))


class ProviderProfileAdmin(admin.ModelAdmin):
    """The approval queue: pending applications first, oldest submission first.

    The base of the provider queue page; console/admin.py builds and registers it with the panels
    higher apps add (console.composition).
    """

    list_display = [
        "provider",
        "email_verified",
        "base_place",
        "category_list",
        "status",
        "submitted",
        "document_link",
    ]
    list_display_links = ["provider"]
    list_filter = ["status", "categories"]
    search_fields = ["user__email", "user__full_name", "user__phone", "base_place__name", "legacy_city"]
    list_select_related = ["user", "base_place"]
    raw_id_fields = ["base_place"]
    date_hierarchy = "submitted_at"
    inlines = [ProviderStatusEventInline, PortfolioPhotoInline]
    actions = ["approve", "reject", "suspend", "reinstate"]
    change_form_template = "accounts/admin/provider_change_form.html"
    fields = [
        "user",
        "status",
        "status_reason",
        "document_link",
        "avatar_preview",
        "base_place",
        "service_radius_km",
        "legacy_city",
        "service_area",
        "categories",
        "years_experience",
        "bio",
        "submitted_at",
        "reviewed_at",
        "stripe_account_id",
        "payouts_enabled",
    ]
    # Status moves only through the actions; the document only through its authorizing view.
    readonly_fields = [
        "user",
        "status",
        "status_reason",
        "document_link",
        "avatar_preview",
        "submitted_at",
        "reviewed_at",
        "stripe_account_id",
        "payouts_enabled",
    ]
    filter_horizontal = ["categories"]

    def get_queryset(self, request):
        verified = EmailAddress.objects.filter(user_id=OuterRef("user_id"), verified=True)
        pending_first = Case(When(status=Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        return (
            super()
            .get_queryset(request)
            .prefetch_related("categories")
            .annotate(queue_order=pending_first, has_verified_email=Exists(verified))
            .order_by("queue_order", "submitted_at")
        )

    def has_add_permission(self, request):
        return False  # providers apply through the signup form

    def has_review_permission(self, request):
        return request.user.has_perm("accounts.review_providerprofile")

    @admin.display(description=gettext_lazy("Provider"), ordering="user__full_name")
    def provider(self, profile):
        """Name over email: one column, so the queue (and its panels' columns) fits a 1366 px screen."""
        return format_html("{}<br><small>{}</small>", profile.user.full_name, profile.user.email)

    @admin.display(description=gettext_lazy("Submitted"), ordering="submitted_at")
    def submitted(self, profile):
        """Date over time: the full datetime on one line was cut off at laptop widths (1366 px).

        `dir="auto"`: a date in Latin letters keeps its order on a right-to-left (Urdu) page."""
        if profile.submitted_at is None:
            return "—"
        when = timezone.localtime(profile.submitted_at)
        date, time = format_date(when), format_when(when, date=False)
        return format_html('<time datetime="{}" dir="auto">{}<br>{}</time>', when.isoformat(), date, time)

    @admin.display(description=gettext_lazy("Email verified"), boolean=True)
    def email_verified(self, profile):
        return profile.has_verified_email

    @admin.display(description=gettext_lazy("Services"))
    def category_list(self, profile):
        return ", ".join(category.display_name for category in profile.categories.all())

    @admin.display(description=gettext_lazy("Document"))
    def document_link(self, profile):
        if not profile.document:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("provider_document", args=[profile.pk]),
            _("View document"),
        )

    @admin.display(description=gettext_lazy("Profile photo"))
    def avatar_preview(self, profile):
        if not profile.avatar:
            return "—"
        args = [profile.pk]
        return photo_preview(reverse("provider_avatar", args=args), reverse("provider_avatar_thumbnail", args=args))

    def _transition(self, request, queryset, *, from_status: str, to_status: str, reason: str = "") -> None:
        """Move each selected profile that is in `from_status`; tell the operator what happened to each."""
        moved, refused = 0, []
        for profile in queryset.select_related("user").order_by("pk"):
            if profile.status != from_status:
                refused.append(
                    _("%(email)s: is %(status)s")
                    % {"email": profile.user.email, "status": profile.get_status_display().lower()}
                )
                continue
            try:
                provider_transition(profile_id=profile.pk, to_status=to_status, actor=request.user, reason=reason)
            except DomainError as error:
                refused.append(f"{profile.user.email}: {error}")
            else:
                moved += 1
        if moved:
            self.message_user(request, MOVED_MESSAGES[to_status] % {"count": moved}, messages.SUCCESS)
        if refused:
            self.message_user(
                request, _("Not changed — %(problems)s") % {"problems": "; ".join(refused)}, messages.WARNING
            )

    def _with_reason(self, request, queryset, *, from_status: str, to_status: str, title: str, action: str):
        """Intermediate page asking for the (required) reason, then the transition."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._transition(request, queryset, from_status=from_status, to_status=to_status, reason=reason)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "profiles": queryset.select_related("user"),
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "accounts/admin/provider_reason.html", context)

    @admin.action(description=gettext_lazy("Approve selected providers"), permissions=["review"])
    def approve(self, request, queryset):
        self._transition(request, queryset, from_status=Status.PENDING, to_status=Status.APPROVED)

    approve.from_status, approve.button = Status.PENDING, gettext_lazy("Approve")

    def changelist_view(self, request, extra_context=None):
        # The queue has a dozen columns (panels add theirs) and a filter column: without the app menu
        # on the left they fit a 1366 px screen; the breadcrumbs still lead back.
        return super().changelist_view(request, {**(extra_context or {}), "is_nav_sidebar_enabled": False})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A provider's page offers the review moves open from its status; each button posts the same
        action the list uses (one code path: `_transition` → `accounts.services.provider_transition`)."""
        profile = self.get_object(request, object_id)
        buttons = []
        if profile is not None and self.has_review_permission(request):
            moves = (getattr(self, name) for name in self.actions)
            buttons = [(move.__name__, move.button) for move in moves if move.from_status == profile.status]
        extra_context = {**(extra_context or {}), "review_buttons": buttons}
        return super().change_view(request, object_id, form_url, extra_context)

    reject = _reason_action(
        "reject",
        from_status=Status.PENDING,
        to_status=Status.REJECTED,
        title=gettext_lazy("Reject provider applications"),
        description=gettext_lazy("Reject provider applications (with reason)"),
        button=gettext_lazy("Reject…"),
    )
    suspend = _reason_action(
        "suspend",
        from_status=Status.APPROVED,
        to_status=Status.SUSPENDED,
        title=gettext_lazy("Suspend providers"),
        description=gettext_lazy("Suspend providers (with reason)"),
        button=gettext_lazy("Suspend…"),
    )
    reinstate = _reason_action(
        "reinstate",
        from_status=Status.SUSPENDED,
        to_status=Status.APPROVED,
        title=gettext_lazy("Reinstate suspended providers"),
        description=gettext_lazy("Reinstate suspended providers (with reason)"),
        button=gettext_lazy("Reinstate…"),
    )
