"""Reads on a MariaDB replica, opted into by the selectors that list and report; writes on the primary.

With `DATABASE_REPLICA_URL` set, settings add the `replica` alias and name it in
`DATABASE_READ_REPLICA`; unset (`make run`, the test suite), every read stays on `default`.

- Opt in: `on_replica(queryset)` for a queryset a view evaluates later (the offer feed, the review
  list), `@replica_reads` around a function that runs its queries itself (the revenue report).
  Nothing else ever reads the replica: services, locks and money checks see the primary.
- Read your own writes: `PrimaryPinMiddleware` pins a browser to the primary for
  `REPLICA_PIN_SECONDS` after any request that wrote (an unsafe method, or an INSERT/UPDATE/DELETE
  seen on `default` during a GET), with a cookie every node honours; the request that wrote is
  pinned from that statement on. Reads inside a transaction on `default` stay on it too.
- `PrimaryReplicaRouter` sends every write to `default` (a row read from the replica saves to the
  primary), relates rows of both aliases and migrates only `default` (the replica copies it).
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

PRIMARY = "default"
PIN_COOKIE = "servizo_primary_until"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

_pinned: ContextVar[bool] = ContextVar("servizo_primary_pinned", default=False)
_opted_in: ContextVar[bool] = ContextVar("servizo_replica_reads", default=False)


def read_alias() -> str:
    """The alias for an opted-in read: the replica unless none is configured, this request is
    pinned to the primary, or a transaction is open on the primary."""
    replica = settings.DATABASE_READ_REPLICA
    if not replica or _pinned.get() or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return replica


def on_replica(queryset: QuerySet) -> QuerySet:
    """The queryset bound to `read_alias()` now (related rows follow it)."""
    return queryset.using(read_alias())


@contextmanager
def replica_reads():
    """Within it (or the function it decorates), reads that name no database go to `read_alias()`."""
    token = _opted_in.set(True)
    try:
        yield
    finally:
        _opted_in.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return read_alias() if _opted_in.get() else None

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == PRIMARY


class PrimaryPinMiddleware:
    """Keeps a browser on the primary for REPLICA_PIN_SECONDS after it wrote (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.DATABASE_READ_REPLICA:
            return self.get_response(request)
        try:
            pinned_until = float(request.COOKIES.get(PIN_COOKIE, 0))
        except ValueError:
            pinned_until = 0.0
        wrote = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        token = _pinned.set(wrote or time.time() < pinned_until)

        def watch(execute, sql, params, many, context):
            nonlocal wrote
            if not wrote and sql.lstrip()[:7].upper().startswith(_WRITES):
                wrote = True
                _pinned.set(True)
            return execute(sql, params, many, context)

        try:
            with connections[PRIMARY].execute_wrapper(watch):
                response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if wrote:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
