"""Payments in the operator console: read-only money records, a decision queue and a settle form.

Every money change goes through payments.services.settlements.settlement_create.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from bookings.admin import BookingAdmin
from bookings.models import Booking
from payments.forms import SettlementForm
from payments.models import (
    BookingDecision,
    LedgerEntry,
    Payment,
    PayoutRun,
    Settlement,
    StripeEvent,
    Transfer,
)
from payments.selectors import booking_balance, needs_decision_bookings, platform_commission_total
from payments.services.payouts import payouts_run
from payments.services.settlements import settlement_create, settlement_resume
from servizo.admin import ReadOnlyAdminMixin, admin_site
from servizo.exceptions import DomainError
from servizo.money import format_money


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Money records are written by services only."""


def _settle_url(booking_id: int) -> str:
    return reverse("admin:payments_bookingdecision_settle", args=[booking_id])


@admin.register(Payment, site=admin_site)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["booking", "attempt", "status", "amount", "card_last4", "payment_intent_id", "created_at"]
    list_filter = ["status"]
    list_select_related = ["booking"]
    search_fields = ["payment_intent_id", "charge_id", "booking__title", "booking__customer__email"]
    date_hierarchy = "created_at"
    actions = ["refund"]

    @admin.display(description="Amount")
    def amount(self, obj: Payment) -> str:
        return format_money(obj.amount_cents, obj.currency)

    @admin.action(description="Refund… (choose amount and reason)", permissions=["view"])
    def refund(self, request, queryset):
        paid = list(queryset.filter(status=Payment.Status.SUCCEEDED)[:2])
        if len(paid) != 1:
            self.message_user(request, "Select exactly one paid payment to refund.", messages.WARNING)
            return None
        return redirect(_settle_url(paid[0].booking_id))


@admin.register(LedgerEntry, site=admin_site)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "booking", "provider", "kind", "amount", "stripe_object_id"]
    list_filter = ["kind", "currency"]
    list_select_related = ["booking", "provider"]
    search_fields = ["stripe_object_id", "idempotency_key", "booking__title", "provider__email"]
    date_hierarchy = "created_at"

    @admin.display(description="Amount")
    def amount(self, obj: LedgerEntry) -> str:
        return format_money(obj.amount_cents, obj.currency)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "commission_total": platform_commission_total(),
            "currency": settings.CURRENCY,
        }
        return super().changelist_view(request, extra_context)


@admin.register(StripeEvent, site=admin_site)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event_id", "type", "status", "attempts", "short_error"]
    list_filter = ["status", "type"]
    search_fields = ["event_id"]
    date_hierarchy = "received_at"

    @admin.display(description="Error")
    def short_error(self, obj: StripeEvent) -> str:
        return obj.error[:120]


@admin.register(Transfer, site=admin_site)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "booking", "provider", "amount", "status", "stripe_transfer_id", "run", "error"]
    list_filter = ["status"]
    list_select_related = ["booking", "provider", "run"]
    search_fields = ["stripe_transfer_id", "booking__title", "provider__email"]
    date_hierarchy = "created_at"
    actions = ["retry"]

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_transfer")

    @admin.action(description="Retry failed payouts now (pays what is owed to their providers)", permissions=["retry"])
    def retry(self, request, queryset):
        providers = sorted(set(queryset.filter(status=Transfer.Status.FAILED).values_list("provider_id", flat=True)))
        if not providers:
            self.message_user(request, "Select failed payouts to retry.", messages.WARNING)
            return
        for provider_id in providers:
            summary = payouts_run(provider_id=provider_id)
            level = messages.ERROR if summary.failures else messages.SUCCESS
            failures = "; ".join(f"booking {booking}: {error}" for booking, error in summary.failures)
            paid = format_money(summary.amount_cents, settings.CURRENCY)
            self.message_user(request, f"Run #{summary.run_id}: paid {paid}. {failures}".strip(), level)

    @admin.display(description="Amount")
    def amount(self, obj: Transfer) -> str:
        return format_money(obj.amount_cents, obj.currency)


@admin.register(PayoutRun, site=admin_site)
class PayoutRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "dry_run", "transfers", "amount", "skipped", "failures"]
    list_filter = ["dry_run"]

    @admin.display(description="Amount")
    def amount(self, obj: PayoutRun) -> str:
        return format_money(obj.amount_cents, settings.CURRENCY)


@admin.register(Settlement, site=admin_site)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "booking", "decision", "refund_cents", "reversal_cents", "status", "actor"]
    list_filter = ["status", "decision"]
    list_select_related = ["booking", "actor"]
    actions = ["retry"]

    @admin.action(description="Retry pending decisions with Stripe", permissions=["view"])
    def retry(self, request, queryset):
        for settlement in queryset.filter(status=Settlement.Status.PENDING):
            try:
                settlement_resume(settlement_id=settlement.pk)
            except DomainError as error:
                self.message_user(request, f"{settlement}: {error}", messages.ERROR)
        self.message_user(request, "Pending decisions retried.")


@admin.register(BookingDecision, site=admin_site)
class BookingDecisionAdmin(ReadOnlyAdmin):
    """The "needs decision" queue: cancelled/disputed bookings still holding escrow."""

    list_display = ["id", "title", "status", "customer", "provider", "held", "decide"]
    list_select_related = ["customer", "provider"]

    def get_queryset(self, request):
        return needs_decision_bookings().select_related("customer", "provider")

    @admin.display(description="Held")
    def held(self, obj) -> str:
        return format_money(obj.held_cents, obj.currency)

    @admin.display(description="")
    def decide(self, obj) -> str:
        return format_html('<a class="button" href="{}">Decide…</a>', _settle_url(obj.pk))

    def get_urls(self):
        return [
            path(
                "<id:booking_id>/settle/",
                self.admin_site.admin_view(self.settle_view),
                name="payments_bookingdecision_settle",
            ),
            *super().get_urls(),
        ]

    def settle_view(self, request, booking_id: int):
        """Intermediate page: decision (refund all / release all / split), amount, reason, confirmation."""
        if not request.user.has_perm("payments.add_settlement"):
            raise PermissionDenied
        booking = get_object_or_404(BookingDecision.objects.select_related("customer", "provider"), pk=booking_id)
        balance = booking_balance(booking_id=booking.pk)
        form = SettlementForm(request.POST or None, refundable_cents=balance.refundable, currency=booking.currency)
        if request.method == "POST" and form.is_valid():
            try:
                settlement = settlement_create(
                    booking_id=booking.pk,
                    decision=form.cleaned_data["decision"],
                    refund_cents=form.cleaned_data["refund_amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                refunded = format_money(settlement.refund_cents, booking.currency)
                self.message_user(request, f"Done: {refunded} refunded on booking #{booking.pk}; both parties emailed.")
                return redirect("admin:payments_bookingdecision_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Settle booking #{booking.pk}",
            "booking": booking,
            "balance": balance,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/settle.html", context)


# --- The booking page with its money (operator console) ---------------------------------


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class PaymentInline(_ReadOnlyInline):
    model = Payment
    fields = ["created_at", "attempt", "status", "amount_cents", "currency", "card_last4", "payment_intent_id"]
    readonly_fields = fields


class LedgerEntryInline(_ReadOnlyInline):
    """Shown only to staff who may view the ledger (Finance)."""

    model = LedgerEntry
    fields = ["created_at", "kind", "amount_cents", "currency", "stripe_object_id", "note"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class BookingMoneyAdmin(BookingAdmin):
    """The booking page with its payments, ledger lines and the staff decision link."""

    inlines = [*BookingAdmin.inlines, PaymentInline, LedgerEntryInline]
    readonly_fields = (*BookingAdmin.readonly_fields, "staff_actions")
    fieldsets = (*BookingAdmin.fieldsets, ("Staff actions", {"fields": ("staff_actions",)}))

    @admin.display(description="Money decision")
    def staff_actions(self, booking: Booking) -> str:
        held = booking_balance(booking_id=booking.pk)
        if held.refundable <= 0:
            return "Nothing paid or everything refunded."
        return format_html(
            '<a class="button" href="{}">Refund all / release all / split…</a> (held in escrow: {})',
            _settle_url(booking.pk),
            format_money(held.held, booking.currency),
        )


admin_site.unregister(Booking)
admin_site.register(Booking, BookingMoneyAdmin)
