"""Race helper for concurrency tests: calls run in threads (one database connection each), released together."""

import threading
from collections.abc import Callable

from django.db import connection


def race(calls: list[Callable[[], object]], *, timeout: float = 60) -> list:
    """Run each call in its own thread, all released at once; return each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # the caller's assertions inspect every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    return results
