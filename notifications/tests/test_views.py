import pytest
from django.urls import reverse

from accounts.tests.factories import CustomerFactory
from notifications.models import Notification
from notifications.services import notification_create

pytestmark = pytest.mark.django_db


def test_list_shows_unread_first_class_and_a_badge(client, customer):
    notification_create(recipient=customer, kind="test", text="Offer <accepted>", link="/bookings/1/")
    client.force_login(customer)

    html = client.get(reverse("notifications:list")).content.decode()

    assert "Offer &lt;accepted&gt;" in html
    assert 'id="notification-badge">1<' in html
    assert "Mark all as read" in html


def test_mark_one_read_then_open_its_link(client, customer):
    first = notification_create(recipient=customer, kind="test", text="First", link="/messages/1/")
    second = notification_create(recipient=customer, kind="test", text="Second")
    client.force_login(customer)

    response = client.post(reverse("notifications:read", args=[first.pk]), {"open": "1"})

    assert response.url == "/messages/1/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_read and not second.is_read


def test_mark_read_never_follows_an_offsite_link(client, customer):
    notification = notification_create(recipient=customer, kind="test", text="x", link="https://evil.example/")
    client.force_login(customer)

    response = client.post(reverse("notifications:read", args=[notification.pk]), {"open": "1"})

    assert response.url == reverse("notifications:list")


def test_mark_all_read_touches_only_my_notifications(client, customer):
    other = CustomerFactory()
    for text in ("a", "b"):
        notification_create(recipient=customer, kind="test", text=text)
    notification_create(recipient=other, kind="test", text="theirs")
    client.force_login(customer)

    response = client.post(reverse("notifications:read_all"), follow=True)

    assert "Marked 2 notifications as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=customer, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=other).read_at is None


def test_another_users_notification_is_404_and_get_is_refused(client, customer):
    theirs = notification_create(recipient=CustomerFactory(), kind="test", text="private")
    client.force_login(customer)

    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:read_all")).status_code == 405
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_notifications_paginate(client, customer):
    for n in range(26):
        notification_create(recipient=customer, kind="test", text=f"n{n}")
    client.force_login(customer)

    assert client.get(reverse("notifications:list"), {"page": 2}).content.decode().count("list-group-item ") == 1
