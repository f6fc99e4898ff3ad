"""What every page carries: favicon (site and admin), a skip link to the main content, legal links."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_pages_link_the_favicon_and_a_skip_link_to_main(client, staff_user):
    home = client.get(reverse("home")).content.decode()
    assert 'rel="icon" href="/static/favicon/favicon.svg"' in home and "favicon-32.png" in home
    assert '<a class="visually-hidden-focusable skip-link" href="#main">' in home and "<main " in home
    assert 'id="main"' in home

    client.force_login(staff_user)
    admin = client.get(reverse("admin:index")).content.decode()
    assert 'rel="icon" href="/static/favicon/favicon.svg"' in admin

    ico = client.get("/favicon.ico")
    assert ico.status_code == 301 and ico["Location"] == "/static/favicon/favicon.ico"
