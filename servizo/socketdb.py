"""`socket_database_sync_to_async`: the sockets' hop to a worker thread for database work.

channels' `database_sync_to_async` runs `close_old_connections` before and after every call, as a request
does at its start and end. With CONN_HEALTH_CHECKS that pings the thread's connection before every call:
on a chat socket one more MariaDB round trip per message, and each round trip a worker thread waits on
costs about a tenth of a message's server CPU in place (the thread gives up the GIL and takes it back from
the busy event loop; bench/chat_latency.py). Here a connection is checked (pinged, replaced if dead) when
it has been idle for IDLE_CHECK_SECONDS or an error occurred on it, and closed past CONN_MAX_AGE as usual.

So a connection that dies while in steady use (the database restarts) fails the one call that meets it with
a DatabaseError, which every socket answers as "send it again", is closed right after, and the next call
gets a new one. Nothing is half-written: every write a socket makes is one transaction.
"""

import time
from weakref import WeakKeyDictionary

import channels.auth
from asgiref.sync import SyncToAsync
from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware
from django.db import connections

IDLE_CHECK_SECONDS = 5.0
_last_used: WeakKeyDictionary = WeakKeyDictionary()  # connection wrapper -> monotonic time of its last call


def _check_connections() -> None:
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        idle = now - _last_used.get(connection, 0.0) > IDLE_CHECK_SECONDS
        too_old = connection.close_at is not None and now >= connection.close_at
        if idle or too_old or connection.errors_occurred:
            connection.close_if_unusable_or_obsolete()  # health check at its next query; closed if too old


def _settle_connections() -> None:
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred:
            connection.close_if_unusable_or_obsolete()  # closed now if it is dead
        else:
            _last_used[connection] = now


class SocketDatabaseSyncToAsync(SyncToAsync):
    """`database_sync_to_async` that checks a connection when it has been idle or failed, not on every call."""

    def thread_handler(self, loop, *args, **kwargs):
        _check_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _settle_connections()


socket_database_sync_to_async = SocketDatabaseSyncToAsync


class SocketAuthMiddleware(AuthMiddleware):
    """channels' AuthMiddleware with its user read through `socket_database_sync_to_async` on the pool: no
    connection ping (channels' hop pinged before every socket open) and no queueing behind other sockets'
    opens on the process's one sync thread."""

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await _get_user(scope)


_get_user = socket_database_sync_to_async(channels.auth.get_user.func, thread_sensitive=False)


class SocketSessionMiddleware(SessionMiddleware):
    """channels' SessionMiddleware without its wrapper around every frame a socket sends: the wrapper saves a
    changed session on an HTTP response, which a socket never sends (~1 % of a chat message's server CPU)."""

    async def __call__(self, scope, receive, send):
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


def socket_auth_middleware_stack(inner):
    """channels' AuthMiddlewareStack with `SocketSessionMiddleware` and `SocketAuthMiddleware`."""
    return CookieMiddleware(SocketSessionMiddleware(SocketAuthMiddleware(inner)))
