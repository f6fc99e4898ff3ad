import threading
import time

import pytest
from django.db import connection, transaction

from reviews.models import ProviderReputation
from reviews.services import review_create
from reviews.tests.factories import CompletedBookingFactory


@pytest.mark.django_db(transaction=True)
def test_a_review_written_while_another_is_uncommitted_is_not_lost(seeded_categories, provider):
    """Real MariaDB, two threads: B writes while A's review is still uncommitted.

    Without the reputation row lock B would aggregate without A's review and overwrite A's
    summary after A commits (a lost update). With it, B waits for A and counts both.
    """
    first, booking_a, booking_b = (CompletedBookingFactory(provider=provider) for _ in range(3))
    review_create(booking_id=first.pk, customer=first.customer, rating=3)  # the reputation row exists
    a_in_transaction, errors = threading.Event(), []

    def in_thread(fn):
        def run():
            try:
                fn()
            except Exception as error:  # reported below: a thread's exception would otherwise vanish
                errors.append(error)
            finally:
                connection.close()

        return threading.Thread(target=run)

    def writer_a():
        with transaction.atomic():
            review_create(booking_id=booking_a.pk, customer=booking_a.customer, rating=5)
            a_in_transaction.set()
            time.sleep(1)  # B starts meanwhile and must wait for this commit

    def writer_b():
        a_in_transaction.wait(5)
        review_create(booking_id=booking_b.pk, customer=booking_b.customer, rating=1)

    threads = [in_thread(writer_a), in_thread(writer_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rep = ProviderReputation.objects.get(provider=provider)
    assert (rep.rating_count, rep.rating_sum, rep.stars_5, rep.stars_3, rep.stars_1) == (3, 9, 1, 1, 1)
