import pytest
from django.urls import reverse

from accounts.tests.factories import CustomerFactory, ProviderFactory
from places.tests.factories import prato

pytestmark = pytest.mark.django_db


def test_a_provider_without_a_base_place_is_asked_to_choose_one_and_does(client):
    provider = ProviderFactory(base_place=None, legacy_city="Atlantis")
    client.force_login(provider)
    assert "Choose the city you work from" in client.get(reverse("offers:feed")).content.decode()

    page = client.get(reverse("provider_area")).content.decode()
    assert "We could not find a city called “Atlantis”" in page

    response = client.post(reverse("provider_area"), {"base_place": prato().pk, "service_radius_km": "40"})

    assert response.status_code == 302
    profile = provider.provider_profile
    profile.refresh_from_db()
    assert (profile.base_place.name, profile.service_radius_km) == ("Prato", 40)


@pytest.mark.parametrize("radius", ["0", "101", "x"])
def test_a_radius_out_of_bounds_is_a_field_error(client, radius):
    provider = ProviderFactory()
    client.force_login(provider)

    response = client.post(reverse("provider_area"), {"base_place": prato().pk, "service_radius_km": radius})

    assert response.status_code == 200 and "service_radius_km" in response.context["form"].errors
    provider.provider_profile.refresh_from_db()
    assert provider.provider_profile.service_radius_km == 25


def test_only_providers_have_a_service_area(client):
    client.force_login(CustomerFactory())
    assert client.get(reverse("provider_area")).status_code == 403
