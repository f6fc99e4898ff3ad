"""Role checks: the wrong role gets 403 (never a crash), an anonymous visitor the login page."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.decorators import approved_provider_required, customer_required
from accounts.models import ProviderProfile
from accounts.tests.factories import CustomerFactory, ProviderFactory, StaffFactory


@customer_required
def customer_page(request):
    return HttpResponse("customer page")


@approved_provider_required
def provider_page(request):
    return HttpResponse("provider page")


CUSTOMER_VIEWS = [customer_page]
PROVIDER_VIEWS = [provider_page]


def call(view, user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return view(request)


@pytest.mark.django_db
@pytest.mark.parametrize("view", CUSTOMER_VIEWS)
def test_customer_pages(view):
    assert call(view, CustomerFactory()).status_code == 200
    with pytest.raises(PermissionDenied):
        call(view, ProviderFactory())


@pytest.mark.django_db
@pytest.mark.parametrize("view", PROVIDER_VIEWS)
@pytest.mark.parametrize(
    ("make_user", "outcome"),
    [
        (ProviderFactory, 200),
        (lambda: ProviderFactory(status=ProviderProfile.Status.PENDING), "Available after your application is"),
        (lambda: ProviderFactory(status=ProviderProfile.Status.REJECTED), "Correct your application"),
        (lambda: ProviderFactory(status=ProviderProfile.Status.SUSPENDED), "while your account is suspended"),
        (CustomerFactory, PermissionDenied),
        (StaffFactory, PermissionDenied),
    ],
)
def test_provider_pages(view, make_user, outcome):
    if outcome is PermissionDenied:
        with pytest.raises(PermissionDenied):
            call(view, make_user())
    elif outcome == 200:
        assert call(view, make_user()).status_code == 200
    else:  # a provider not (or no longer) approved is told why and when, not given the generic 403
        response = call(view, make_user())
        assert response.status_code == 403
        assert outcome in response.content.decode()


@pytest.mark.django_db
def test_customer_opening_the_provider_status_page_gets_the_403_page(client):
    client.force_login(CustomerFactory())

    response = client.get(reverse("provider_status"))

    assert response.status_code == 403
    assert b"vendor/bootstrap" in response.content  # the site's own 403 page, not a bare error


@pytest.mark.django_db
def test_anonymous_visitor_is_asked_to_log_in(client):
    response = client.get(reverse("provider_status"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_dashboard_sends_each_role_to_its_place(client):
    client.force_login(CustomerFactory())
    assert b'id="customer-dashboard"' in client.get(reverse("dashboard")).content

    client.force_login(ProviderFactory())
    response = client.get(reverse("dashboard"))
    assert b'id="provider-dashboard"' in response.content and b"Approved" in response.content

    client.force_login(ProviderFactory(status=ProviderProfile.Status.PENDING))
    assert client.get(reverse("dashboard"))["Location"] == reverse("provider_status")

    client.force_login(StaffFactory())
    assert client.get(reverse("dashboard"))["Location"] == reverse("admin:index")


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ProviderProfile.Status.PENDING, ProviderProfile.Status.REJECTED])
def test_an_applicant_provider_sees_no_jobs_or_earnings_and_is_told_when_they_open(client, status):
    client.force_login(ProviderFactory(status=status))
    menu = client.get(reverse("provider_status")).content.decode()
    for hidden in (reverse("bookings:list"), reverse("payments:earnings"), reverse("offers:feed")):
        assert f'href="{hidden}"' not in menu
    for page in ("offers:feed", "bookings:list", "payments:earnings"):
        response = client.get(reverse(page))
        assert response.status_code == 403
        assert b'id="provider-not-ready"' in response.content
        assert b"Available after your application is approved" in response.content
        assert b"meant for customers" not in response.content


@pytest.mark.django_db
def test_a_suspended_provider_keeps_jobs_and_earnings_but_not_the_feed(client):
    client.force_login(ProviderFactory(status=ProviderProfile.Status.SUSPENDED))
    menu = client.get(reverse("provider_status")).content.decode()
    assert f'href="{reverse("payments:earnings")}"' in menu and f'href="{reverse("bookings:list")}"' in menu
    assert client.get(reverse("payments:earnings")).status_code == 200
    assert client.get(reverse("bookings:list")).status_code == 200
    feed = client.get(reverse("offers:feed"))
    assert feed.status_code == 403 and b"while your account is suspended" in feed.content


@pytest.mark.django_db
def test_a_customer_on_a_provider_page_and_staff_without_permission_get_the_right_403(client, plain_staff):
    client.force_login(CustomerFactory())
    response = client.get(reverse("offers:feed"))
    assert response.status_code == 403 and b"This page isn't for your account" in response.content
    assert b'id="admin-403"' not in response.content

    client.force_login(plain_staff)  # staff without the permission to see users
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 403
    assert b'id="admin-403"' in response.content and b"Servizo operations" in response.content
