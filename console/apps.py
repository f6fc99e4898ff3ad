from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    """The operator console, above every app: it fills the floor's admin site (servizo.admin)."""

    name = "console"

    def ready(self) -> None:
        from console import views
        from servizo.admin import AdminPage, admin_site

        admin_site.set_index_context(views.dashboard_context, template="admin/console/index.html")
        admin_site.add_page(
            AdminPage(
                route="reports/revenue/",
                name="revenue_report",
                title=_("Commission and revenue report"),
                permission=views.LEDGER_PERMISSION,
                view=views.revenue_report_view,
            )
        )
        admin_site.add_page(
            AdminPage(
                route="payouts/",
                name="payouts",
                title=_("Payout operations"),
                permission="payments.view_payoutrun",
                view=views.payouts_view,
            )
        )
