"""Staff roles: what Support and Finance may see and do in the operator console."""

import pytest
from django.urls import reverse

from accounts.models import ProviderProfile
from accounts.tests.factories import ProviderFactory
from payments.models import PayoutRun, Transfer

pytestmark = pytest.mark.django_db


def test_support_cannot_see_the_ledger_report_or_payouts(client, support_user, completed_booking):
    client.force_login(support_user)

    for name in ("admin:payments_ledgerentry_changelist", "admin:revenue_report", "admin:payouts"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("admin:payouts")).status_code == 403
    assert not PayoutRun.objects.exists()
    index = client.get(reverse("admin:index")).content.decode()
    assert "Escrow held" not in index and "Providers awaiting approval" in index


def test_support_approves_a_provider_but_finance_may_not(client, support_user, finance_user):
    pending = ProviderFactory(status=ProviderProfile.Status.PENDING).provider_profile
    url = reverse("admin:accounts_providerprofile_changelist")
    approve = {"action": "approve", "_selected_action": [pending.pk]}

    client.force_login(finance_user)
    page = client.post(url, approve)  # the action is not offered: Django answers with the list, unchanged
    pending.refresh_from_db()
    assert pending.status == ProviderProfile.Status.PENDING and page.status_code == 200
    assert b'value="approve"' not in client.get(url).content

    client.force_login(support_user)
    client.post(url, approve)
    pending.refresh_from_db()
    assert pending.status == ProviderProfile.Status.APPROVED


def test_finance_runs_a_dry_run_from_the_payouts_page(client, finance_user, completed_booking):
    client.force_login(finance_user)

    page = client.post(reverse("admin:payouts")).content.decode()

    assert "would transfer $96.00 in 1 transfer(s)" in page and completed_booking.provider.email in page
    assert "manage.py payouts" in page
    run = PayoutRun.objects.get()
    assert run.dry_run and not Transfer.objects.exists()
    assert client.get(reverse("admin:payments_ledgerentry_changelist")).status_code == 200


def test_each_console_action_declares_its_permission():
    from servizo.admin import admin_site

    for model, model_admin in admin_site._registry.items():
        for name in model_admin.actions or []:
            action = getattr(model_admin, name) if isinstance(name, str) else name
            assert getattr(action, "allowed_permissions", None), f"{model.__name__}.{name} declares no permission"
