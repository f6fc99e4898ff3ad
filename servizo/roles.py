"""Staff roles: the permissions each Django group holds (created by servizo/migrations/0001_staff_groups).

Support runs people and disputes: approve/reject/suspend providers, manage categories, read offers and
bookings, decide cancelled/disputed bookings up to a refund, moderate reviews. Finance runs money: payments, refunds,
the ledger and reports, payouts and Stripe events. Superusers do everything.
The commission report needs `payments.view_ledgerentry`; the payouts page `payments.view_payoutrun`,
its dry run `payments.add_payoutrun`; retrying a failed payout `payments.change_transfer`.
"""

SUPPORT = "Support"
FINANCE = "Finance"

_READ_BOOKINGS = [
    "accounts.view_user",
    "accounts.view_providerprofile",
    "accounts.view_providerstatusevent",
    "offers.view_offer",
    "offers.view_offerevent",
    "offers.view_offerdecline",
    "bookings.view_booking",
    "bookings.view_bookingevent",
    "payments.view_bookingdecision",
    "payments.view_payment",
    "payments.view_settlement",
    "payments.add_settlement",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SUPPORT: [
        *_READ_BOOKINGS,
        "accounts.change_providerprofile",
        "accounts.review_providerprofile",
        "accounts.view_servicecategory",
        "accounts.add_servicecategory",
        "accounts.change_servicecategory",
        "reviews.view_review",
        "reviews.moderate_review",
        "reviews.view_reviewreply",
        "reviews.view_reviewmoderationevent",
        "reviews.view_customerrating",
        "reviews.view_providerreputation",
    ],
    FINANCE: [
        *_READ_BOOKINGS,
        "accounts.view_servicecategory",
        "payments.change_settlement",
        "payments.view_ledgerentry",
        "payments.view_stripeevent",
        "payments.view_transfer",
        "payments.change_transfer",
        "payments.view_payoutrun",
        "payments.add_payoutrun",
    ],
}


def staff_groups_sync(*, group_model, permission_model) -> None:
    """Create the groups and give them exactly their permissions (used by the data migration and tests)."""
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        permissions = [
            permission_model.objects.get(content_type__app_label=code.split(".")[0], codename=code.split(".")[1])
            for code in codes
        ]
        group.permissions.set(permissions)
