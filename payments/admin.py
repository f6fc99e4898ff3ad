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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Booking
from bookings.selectors import booking_events
from disputes.selectors import dispute_for_booking, dispute_photos_by_party, dispute_suggestion
from payments.forms import SettlementForm
from payments.models import (
    BookingDecision,
    Chargeback,
    LedgerEntry,
    Payment,
    PayoutRun,
    Settlement,
    StripeEvent,
    Transfer,
)
from payments.selectors import (
    booking_balance,
    needs_decision_bookings,
    platform_commission_total,
    settlement_preview,
)
from payments.services.payouts import payouts_run
from payments.services.settlements import (
    DECIDE_PERMISSION,
    SettlementBasisChanged,
    SettlementPending,
    settlement_basis,
    settlement_create,
    settlement_may_decide,
    settlement_retry,
)
from servizo.admin import ReadOnlyAdminMixin, admin_site, money_column, stored_note
from servizo.exceptions import DomainError
from servizo.money import format_money


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Money records are written by services only."""


def _settle_url(booking_id: int) -> str:
    return reverse("admin:payments_bookingdecision_settle", args=[booking_id])


def _done_message(settlement: Settlement) -> str:
    refunded = format_money(settlement.refund_cents, settlement.currency)
    return _("Done: %(amount)s refunded on booking #%(booking)s; both parties emailed.") % {
        "amount": refunded,
        "booking": settlement.booking_id,
    }


class SettleActionMixin:
    """Actions that lead to a money decision need the permission to decide (the service checks the state)."""

    def has_settle_permission(self, request) -> bool:
        return request.user.has_perm(DECIDE_PERMISSION)


@admin.register(Payment, site=admin_site)
class PaymentAdmin(SettleActionMixin, ReadOnlyAdmin):
    list_display = ["booking", "attempt", "status", "amount", "card_last4", "payment_intent_id", "created_at"]
    list_filter = ["status"]
    list_select_related = ["booking"]
    search_fields = ["payment_intent_id", "charge_id", "booking__title", "booking__customer__email"]
    date_hierarchy = "created_at"
    actions = ["refund"]

    amount = money_column("amount_cents")

    @admin.action(description=gettext_lazy("Refund… (choose amount and reason)"), permissions=["settle"])
    def refund(self, request, queryset):
        paid = list(queryset.filter(status=Payment.Status.SUCCEEDED).select_related("booking")[:2])
        if len(paid) != 1:
            self.message_user(request, _("Select exactly one paid payment to refund."), messages.WARNING)
            return None
        booking = paid[0].booking
        if not settlement_may_decide(user=request.user, booking_status=booking.status):
            status = booking.get_status_display().lower()
            self.message_user(
                request,
                _("Booking #%(booking)s is %(status)s: Finance decides it.")
                % {"booking": booking.pk, "status": status},
                messages.ERROR,
            )
            return None
        return redirect(_settle_url(booking.pk))


@admin.register(LedgerEntry, site=admin_site)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "booking", "provider", "kind", "amount", "stripe_object_id"]
    list_filter = ["kind", "currency"]
    list_select_related = ["booking", "provider"]
    search_fields = ["stripe_object_id", "idempotency_key", "booking__title", "provider__email"]
    date_hierarchy = "created_at"

    amount = money_column("amount_cents")

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

    @admin.display(description=gettext_lazy("Error"))
    def short_error(self, obj: StripeEvent) -> str:
        return obj.error[:120]


@admin.register(Chargeback, site=admin_site)
class ChargebackAdmin(ReadOnlyAdmin):
    """Stripe disputes on our charges, as their webhooks last reported them (payments.services.chargebacks)."""

    list_display = ["created_at", "booking", "amount", "reason", "outcome", "stripe_status", "reversal"]
    list_filter = ["outcome"]
    list_select_related = ["booking"]
    search_fields = ["stripe_dispute_id", "booking__title"]
    amount = money_column("amount_cents")
    reversal = money_column("reversal_cents", description=gettext_lazy("Reversed from the provider"))


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

    @admin.action(
        description=gettext_lazy("Retry failed or pending payouts now (pays what is owed to their providers)"),
        permissions=["retry"],
    )
    def retry(self, request, queryset):
        """A pending row (Stripe unreachable last time) is resumed: Stripe is asked first, so nothing is paid twice."""
        retryable = (Transfer.Status.FAILED, Transfer.Status.PENDING)
        providers = sorted(set(queryset.filter(status__in=retryable).values_list("provider_id", flat=True)))
        if not providers:
            self.message_user(request, _("Select failed or pending payouts to retry."), messages.WARNING)
            return
        for provider_id in providers:
            summary = payouts_run(provider_id=provider_id)
            level = messages.ERROR if summary.failures else messages.SUCCESS
            failures = "; ".join(
                _("booking %(booking)s: %(error)s") % {"booking": booking, "error": error}
                for booking, error in summary.failures
            )
            paid = format_money(summary.amount_cents, settings.CURRENCY)
            held = format_money(summary.held_cents, settings.CURRENCY)
            held = _("Held (provider suspended): %(amount)s.") % {"amount": held} if summary.held else ""
            ran = _("Run #%(run)s: paid %(amount)s.") % {"run": summary.run_id, "amount": paid}
            self.message_user(request, f"{ran} {held} {failures}".strip(), level)

    amount = money_column("amount_cents")


@admin.register(PayoutRun, site=admin_site)
class PayoutRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "dry_run", "transfers", "amount", "skipped", "failures"]
    list_filter = ["dry_run"]

    amount = money_column("amount_cents", currency_field=None)


@admin.register(Settlement, site=admin_site)
class SettlementAdmin(SettleActionMixin, ReadOnlyAdmin):
    list_display = ["created_at", "booking", "decision", "refund_cents", "reversal_cents", "status", "actor"]
    list_filter = ["status", "decision"]
    list_select_related = ["booking", "actor"]
    actions = ["retry"]

    @admin.action(description=gettext_lazy("Retry pending decisions with Stripe"), permissions=["settle"])
    def retry(self, request, queryset):
        pending = list(queryset.filter(status=Settlement.Status.PENDING).values_list("pk", flat=True))
        if not pending:
            self.message_user(request, _("Select pending decisions to retry."), messages.WARNING)
        for settlement_id in pending:
            try:
                settlement = settlement_retry(settlement_id=settlement_id, actor=request.user)
            except DomainError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _done_message(settlement), messages.SUCCESS)


@admin.register(BookingDecision, site=admin_site)
class BookingDecisionAdmin(ReadOnlyAdmin):
    """The "needs decision" queue: cancelled/disputed bookings still holding escrow."""

    list_display = ["id", "title", "status", "customer", "provider", "held", "decide"]
    list_select_related = ["customer", "provider"]

    def get_queryset(self, request):
        return needs_decision_bookings().select_related("customer", "provider")

    held = money_column("held_cents", description=gettext_lazy("Held"))

    @admin.display(description="")
    def decide(self, obj) -> str:
        return format_html('<a class="button" href="{}">{}</a>', _settle_url(obj.pk), _("Decide…"))

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
        """Intermediate page: decision (refund all / release all / split), amount, reason, confirmation.

        A decision Stripe did not finish is shown instead of the form, with a button that retries it.
        """
        booking = get_object_or_404(BookingDecision.objects.select_related("customer", "provider"), pk=booking_id)
        if not settlement_may_decide(user=request.user, booking_status=booking.status):
            raise PermissionDenied
        pending = booking.settlements.filter(status=Settlement.Status.PENDING).select_related("actor").first()
        if request.method == "POST" and "retry" in request.POST:
            if pending is None:
                return redirect(_settle_url(booking.pk))
            return self._settle_retry(request, pending)
        balance = booking_balance(booking_id=booking.pk)
        form = SettlementForm(
            request.POST or None,
            initial={"basis": settlement_basis(booking=booking, balance=balance)},
            refundable_cents=balance.refundable,
            currency=booking.currency,
        )
        if request.method == "POST" and form.is_valid():
            try:
                settlement = settlement_create(
                    booking_id=booking.pk,
                    decision=form.cleaned_data["decision"],
                    refund_cents=form.cleaned_data["refund_amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    basis=form.cleaned_data["basis"],
                )
            except SettlementPending as error:
                self.message_user(request, str(error), messages.WARNING)
                return redirect(_settle_url(booking.pk))
            except SettlementBasisChanged as error:
                # Show the current figures and ask for the confirmation again, on them.
                booking.refresh_from_db()
                balance = booking_balance(booking_id=booking.pk)
                data = request.POST.copy()
                data["basis"] = settlement_basis(booking=booking, balance=balance)
                data.pop("confirm", None)
                form = SettlementForm(data, refundable_cents=balance.refundable, currency=booking.currency)
                form.is_valid()
                form.add_error(None, str(error))
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _done_message(settlement))
                return redirect("admin:payments_bookingdecision_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Settle booking #%(booking)s") % {"booking": booking.pk},
            "booking": booking,
            "balance": balance,
            "form": form,
            "pending": pending,
            "opts": self.model._meta,
            "events": booking_events(booking=booking),
            "rate_percent": f"{booking.commission_rate_bp / 100:g}",
            **self._dispute_context(booking, balance),
        }
        return TemplateResponse(request, "admin/payments/settle.html", context)

    @staticmethod
    def _dispute_context(booking: Booking, balance) -> dict:
        """The customer's complaint, the provider's response and the policy's suggestion, in money."""
        dispute = dispute_for_booking(booking=booking)
        if dispute is None:
            return {"dispute": None}
        suggestion = dispute_suggestion(dispute=dispute)
        preview = settlement_preview(booking=booking, balance=balance, refund_percent=suggestion.refund_percent)
        return {
            "dispute": dispute,
            "suggestion": suggestion,
            "preview": preview,
            **dispute_photos_by_party(dispute=dispute),
        }

    def _settle_retry(self, request, pending: Settlement):
        try:
            settlement = settlement_retry(settlement_id=pending.pk, actor=request.user)
        except SettlementPending as error:
            self.message_user(request, str(error), messages.WARNING)
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _done_message(settlement))
            return redirect("admin:payments_bookingdecision_changelist")
        return redirect(_settle_url(pending.booking_id))


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
    fields = ["created_at", "kind", "amount_cents", "currency", "stripe_object_id", stored_note]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class BookingMoneyPanel:
    """On the booking page (bookings): its payments, ledger lines and the staff decision link.

    console/admin.py builds the page (console.composition).
    """

    panel_inlines = [PaymentInline, LedgerEntryInline]
    panel_fieldsets = [(gettext_lazy("Staff actions"), {"fields": ["staff_actions"]})]

    def get_fieldsets(self, request, obj=None):
        """The decision link only for staff who may decide this booking (Support: cancelled/disputed)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and settlement_may_decide(user=request.user, booking_status=obj.status):
            return fieldsets
        return [(name, options) for name, options in fieldsets if "staff_actions" not in options["fields"]]

    @admin.display(description=gettext_lazy("Money decision"))
    def staff_actions(self, booking: Booking) -> str:
        held = booking_balance(booking_id=booking.pk)
        if held.refundable <= 0:
            return _("Nothing paid or everything refunded.")
        return format_html(
            '<a class="button" href="{}">{}</a> {}',
            _settle_url(booking.pk),
            _("Refund all / release all / split…"),
            _("(held in escrow: %(amount)s)") % {"amount": format_money(held.held, booking.currency)},
        )
