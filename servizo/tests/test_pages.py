import pytest
from django.urls import reverse


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
