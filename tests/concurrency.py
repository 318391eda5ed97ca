"""Running calls at the same instant from several threads, for the tests that prove a write happens once.

``at_once(*calls)`` starts one thread per call, releases them together through a barrier and returns, in the
order of the calls, what each returned or the exception it raised (so a test asserts on both). Each thread closes
its own database connection, as a worker would; with PostgreSQL each thread is its own session, which is what
makes these tests meaningful (``require_postgres`` and ``django_db(transaction=True)``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def at_once(*calls: Callable[[], object], timeout: float = 60) -> list:
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome: the caller's assertion shows it
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
