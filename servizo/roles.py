"""Staff roles: the permissions each Django group holds (created by servizo/migrations/0001_staff_groups).

Support runs people and disputes: approve/reject/suspend providers, manage categories, read offers and
bookings, decide cancelled/disputed bookings up to a refund (payments.services.settlements enforces
it per booking state), moderate reviews. Finance runs money: payments, refunds,
the ledger and reports, payouts and Stripe events. Superusers do everything.
The commission report needs `payments.view_ledgerentry`; the payouts page `payments.view_payoutrun`,
its dry run `payments.add_payoutrun`; retrying a failed payout `payments.change_transfer`, a failed
background task `servizo.change_failedtask`.
"""

from django.contrib.auth import get_user_model

SUPPORT = "Support"
FINANCE = "Finance"

_READ_BOOKINGS = [
    "accounts.view_user",
    "accounts.view_providerprofile",
    "accounts.view_providerstatusevent",
    "offers.view_offer",
    "offers.view_offerevent",
    "offers.view_offerdecline",
    "offers.view_quote",
    "offers.view_quoteevent",
    "offers.view_offerphoto",
    "bookings.view_booking",
    "bookings.view_bookingevent",
    "disputes.view_dispute",
    "disputes.view_disputeevent",
    "bookings.view_providercancellation",
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
        "accounts.view_portfoliophoto",
        "accounts.view_servicecategory",
        "accounts.add_servicecategory",
        "accounts.change_servicecategory",
        "reviews.view_review",
        "reviews.moderate_review",
        "reviews.view_reviewreply",
        "reviews.view_reviewmoderationevent",
        "reviews.view_customerrating",
        "reviews.view_providerreputation",
        # Reading a conversation (for disputes) is logged by the chat admin.
        "chat.view_conversation",
        "chat.view_message",
        "chat.view_chatphoto",
        "chat.view_conversationaccess",
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
        "payments.view_chargeback",
        # Background tasks that kept failing (webhook handling, emails): see and queue them again.
        "servizo.view_failedtask",
        "servizo.change_failedtask",
    ],
}


def staff_in_role(name: str):
    """Active staff in the role's group (e.g. who Finance alerts go to)."""
    return get_user_model().objects.filter(is_active=True, is_staff=True, groups__name=name).order_by("pk")


def staff_groups_sync(*, group_model, permission_model, apps_migrated: set[str] | None = None) -> None:
    """Create the groups and give them exactly their permissions (used by the data migrations and tests).

    A data migration passes the apps whose models exist at that point (`apps_migrated`); permissions
    of apps migrated later are added by a later migration that depends on them.
    """
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        permissions = [
            permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in (code.split(".") for code in codes)
            if apps_migrated is None or app_label in apps_migrated
        ]
        group.permissions.set(permissions)


def staff_groups_migrate(apps, schema_editor, *, apps_migrated: set[str]) -> None:
    """RunPython body for the staff-group migrations: make the permissions, then sync the groups."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate`; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    staff_groups_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
        apps_migrated=apps_migrated,
    )
