import pytest
from django.urls import reverse

from accounts.models import ServiceCategory


@pytest.mark.django_db
def test_landing_page_lists_active_categories_and_the_split(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Electrician" in body and "Handyman" in body
    assert "80 %" in body and "20 %" in body


@pytest.mark.django_db
def test_unknown_page_gets_the_helpful_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_static_assets_are_served_locally(client):
    response = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_the_anonymous_landing_is_served_from_the_cache_until_a_category_changes(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = client.get(reverse("home")).content
    with django_assert_num_queries(0):
        assert client.get(reverse("home")).content == first

    with django_capture_on_commit_callbacks(execute=True):
        ServiceCategory.objects.create(name="Roof repairer", slug="roofer")

    assert "Roof repairer" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_landing_shows_a_flash_message_and_is_rendered_for_signed_in_users(client, customer):
    client.get(reverse("home"))  # cached for anonymous visitors
    client.force_login(customer)

    assert "Go to your dashboard" in client.get(reverse("home")).content.decode()
    client.post(reverse("account_logout"))
    assert "You have signed out." in client.get(reverse("home")).content.decode()


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_the_signed_in_landing_reads_only_the_user_and_lists_categories_in_order(
    client, customer, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    client.get(reverse("home"))  # fills the badges and the category map
    with django_assert_num_queries(1):  # the signed-in user; categories from accounts.selectors.category_map
        body = client.get(reverse("home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # a category change drops the cached map
        plumber = ServiceCategory.objects.get(slug="plumber")
        plumber.is_active = False
        plumber.save()
        ServiceCategory.objects.create(name="Aardvark catcher", slug="aardvark", ordering=0)

    after = client.get(reverse("home")).content.decode()
    assert ">Plumber<" in body and ">Plumber<" not in after
    assert 0 < after.index(">Aardvark catcher<") < after.index(">Electrician<")  # (ordering, name)
