import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import CustomerFactory
from accounts.tests.test_signup import customer_data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("guess", "saved"),
    [("Asia/Karachi", "Asia/Karachi"), ("Mars/Olympus_Mons", "UTC"), ("", "UTC"), ("x" * 300, "UTC")],
)
def test_signup_keeps_the_browser_guess_only_if_it_is_a_real_zone(client, guess, saved):
    response = client.post(reverse("signup_customer"), customer_data(time_zone=guess))

    assert response.status_code == 302  # a bad guess never blocks the signup
    assert User.objects.get(email="carla@example.com").time_zone == saved


@pytest.mark.django_db
def test_the_signup_form_asks_the_browser_for_its_zone(client):
    page = client.get(reverse("signup_customer")).content.decode()

    assert 'name="time_zone"' in page and "data-time-zone-guess" in page


@pytest.mark.django_db
def test_a_user_changes_name_phone_and_zone_and_every_page_follows(client):
    user = CustomerFactory(time_zone="UTC")
    client.force_login(user)
    url = reverse("account_settings")
    assert '<optgroup label="America">' in client.get(url).content.decode()

    response = client.post(url, {"full_name": "Ayesha Khan", "phone": "+92 42 111", "time_zone": "Asia/Karachi"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.time_zone) == ("Ayesha Khan", "+92 42 111", "Asia/Karachi")
    assert 'data-time-zone="Asia/Karachi"' in client.get(url).content.decode()


@pytest.mark.django_db
def test_an_unknown_zone_is_a_field_error(client):
    user = CustomerFactory(time_zone="Europe/Rome")
    client.force_login(user)

    response = client.post(reverse("account_settings"), {"full_name": "A", "phone": "", "time_zone": "Europe/Atlantis"})

    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    user.refresh_from_db()
    assert user.time_zone == "Europe/Rome"


def test_settings_need_a_login(client):
    response = client.get(reverse("account_settings"))

    assert response.status_code == 302 and "/login/" in response["Location"]
