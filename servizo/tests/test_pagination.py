import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_mark_read
from servizo.context_processors import BADGE_MAX
from servizo.counts import capped_counts
from servizo.pagination import CappedCountPaginator, page_of


@pytest.fixture
def notes(customer):
    Notification.objects.bulk_create([Notification(recipient=customer, kind="k", text=f"{n}") for n in range(45)])
    return Notification.objects.filter(recipient=customer).order_by("id")


@pytest.mark.django_db
def test_a_page_knows_its_neighbours_without_a_count(notes, django_assert_num_queries):
    with django_assert_num_queries(2):  # the page's ids, then their rows
        first = page_of(notes, per_page=20, number="1")
    last = page_of(notes, per_page=20, number=3)

    assert [n.text for n in first] == [str(n) for n in range(20)]
    assert first.has_next() and not first.has_previous() and first.next_page_number() == 2
    assert [n.text for n in last] == ["40", "41", "42", "43", "44"]
    assert not last.has_next() and last.has_previous() and last.previous_page_number() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("number", [None, "", "abc", "0", "-3"])
def test_a_bad_page_number_gives_the_first_page(notes, number):
    page = page_of(notes, per_page=20, number=number)

    assert page.number == 1 and len(page) == 20


@pytest.mark.django_db
def test_a_page_past_the_end_is_empty_and_links_back(notes):
    page = page_of(notes, per_page=20, number=9)

    assert list(page) == [] and page.has_previous() and page.has_other_pages()


@pytest.mark.django_db
def test_the_admin_paginator_counts_at_most_its_cap(notes, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "MAX_COUNTED", 30)

    assert CappedCountPaginator(notes, 10).count == 30
    assert CappedCountPaginator(notes.filter(text="1"), 10).count == 1


@pytest.mark.django_db
def test_the_navbar_badge_stops_counting_past_its_maximum(client, customer):
    Notification.objects.bulk_create(
        [Notification(recipient=customer, kind="k", text=f"{n}") for n in range(BADGE_MAX + 5)]
    )
    client.force_login(customer)

    assert client.get(reverse("notifications:list")).context["unread_notifications"] == f"{BADGE_MAX}+"

    for pk in Notification.objects.values_list("pk", flat=True)[:10]:
        notification_mark_read(recipient=customer, notification_id=pk)
    assert client.get(reverse("notifications:list")).context["unread_notifications"] == BADGE_MAX - 5


@pytest.mark.django_db
def test_capped_counts_count_each_queryset_up_to_the_cap_in_one_query(notes, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = capped_counts({"all": notes, "one": notes.filter(text="1"), "none": notes.none()}, cap=30)

    assert counts == {"all": 30, "one": 1, "none": 0}


@pytest.mark.django_db
def test_a_row_that_leaves_the_list_between_the_two_reads_is_left_out(notes):
    """Under load an offer is taken between the page's id read and its row read (a 500 in the load test)."""
    from django.db import connection
    from django.utils import timezone

    unread = notes.filter(read_at__isnull=True)
    leaving = unread[1]
    reads = []

    def take_one_after_the_id_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        reads.append(sql)
        if len(reads) == 1:  # the ids are read: the row leaves the list before its row is read
            Notification.objects.filter(pk=leaving.pk).update(read_at=timezone.now())
        return result

    with connection.execute_wrapper(take_one_after_the_id_read):
        page = page_of(unread, per_page=5, number=1)

    assert [n.text for n in page] == ["0", "2", "3", "4", "5"]
