"""Money under suspension (README "Provider suspension"): a suspended provider's released shares are held by
payouts and reported, until staff reinstate them or release the money; a booking with them cannot be paid."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import ProviderProfile
from accounts.services import provider_transition
from accounts.tests.factories import StaffFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import Payment, Transfer
from payments.services.payouts import payouts_run
from servizo.exceptions import DomainError

PS = ProviderProfile.Status


def _move(provider, to_status: str) -> None:
    provider_transition(
        profile_id=provider.provider_profile.pk, to_status=to_status, actor=StaffFactory(), reason="Under review"
    )


@pytest.mark.django_db
def test_payouts_hold_a_suspended_providers_share_and_report_it(completed_booking, capsys):
    provider = completed_booking.provider
    _move(provider, PS.SUSPENDED)

    summary = payouts_run()
    call_command("payouts", "--dry-run")
    output = capsys.readouterr().out

    assert summary.transfers == 0 and not Transfer.objects.exists()
    assert summary.held[provider.pk].amount_cents == 9600 and summary.held_cents == 9600
    assert "$96.00 held for 1 suspended provider(s)" in output and str(provider) in output


@pytest.mark.django_db
def test_reinstating_releases_the_held_share(completed_booking):
    provider = completed_booking.provider
    _move(provider, PS.SUSPENDED)
    payouts_run()
    _move(provider, PS.APPROVED)

    summary = payouts_run()

    assert summary.transfers == 1 and summary.amount_cents == 9600 and not summary.held
    assert Transfer.objects.get().status == Transfer.Status.PAID


@pytest.mark.django_db
def test_staff_release_pays_a_still_suspended_provider_one_at_a_time(completed_booking, capsys):
    provider = completed_booking.provider
    _move(provider, PS.SUSPENDED)

    with pytest.raises(ValueError):
        payouts_run(release_held=True)
    call_command("payouts", "--provider", str(provider.pk), "--release-held")

    assert Transfer.objects.get().status == Transfer.Status.PAID
    assert "Transferred 1 booking share(s), $96.00" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_booking_with_a_suspended_provider_cannot_be_paid(pay, connected_provider):
    booking = BookingFactory(provider=connected_provider)
    ProviderProfile.objects.filter(user=connected_provider).update(status=PS.SUSPENDED)

    with pytest.raises(DomainError, match="cannot take bookings"):
        pay(booking)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.AWAITING_PAYMENT and not Payment.objects.exists()


@pytest.mark.django_db
def test_earnings_page_tells_a_suspended_provider_their_payouts_are_held(client, provider):
    client.force_login(provider)
    assert 'id="payouts-held"' not in client.get(reverse("payments:earnings")).content.decode()
    _move(provider, PS.SUSPENDED)

    page = client.get(reverse("payments:earnings")).content.decode()

    assert 'id="payouts-held"' in page and "suspended" in page
