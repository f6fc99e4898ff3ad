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
    ("make_user", "allowed"),
    [
        (ProviderFactory, True),
        (lambda: ProviderFactory(status=ProviderProfile.Status.PENDING), False),
        (lambda: ProviderFactory(status=ProviderProfile.Status.SUSPENDED), False),
        (CustomerFactory, False),
        (StaffFactory, False),
    ],
)
def test_provider_pages(view, make_user, allowed):
    if allowed:
        assert call(view, make_user()).status_code == 200
    else:
        with pytest.raises(PermissionDenied):
            call(view, make_user())


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
