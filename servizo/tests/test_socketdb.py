"""servizo.socketdb: a socket's database hop checks its connection when idle or failed, not on every call."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import DatabaseError, connection, connections

from accounts.tests.factories import CustomerFactory
from chat.tests.sockets import session_cookie
from servizo import socketdb
from servizo.socketdb import socket_auth_middleware_stack, socket_database_sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)


def _thread_connection_id() -> int:
    """The database's id for the calling thread's connection (a query, so it opens one if needed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CONNECTION_ID()")
        return cursor.fetchone()[0]


@pytest.fixture
def hop():
    """One socket hop, always to the same worker thread (so calls share its connection), closed at the end."""
    worker = ThreadPoolExecutor(max_workers=1)

    def call(func):
        return async_to_sync(socket_database_sync_to_async(func, thread_sensitive=False, executor=worker))()

    yield call
    worker.submit(connections.close_all).result()
    worker.shutdown()


@pytest.fixture
def health_checks(monkeypatch):
    """Counts the health checks (pings) of the worker thread's connection; the check itself still runs."""
    checks = []
    wrapper = type(connections["default"])
    real = wrapper.is_usable

    def counted(self):
        checks.append(self.alias)
        return real(self)

    monkeypatch.setattr(wrapper, "is_usable", counted)
    return checks


@pytest.fixture
def mariadb(monkeypatch):
    """On MariaDB, with persistent connections as in production (CONN_MAX_AGE; every thread's wrapper shares
    these settings)."""
    if connection.vendor != "mysql":
        pytest.skip("CONNECTION_ID() and KILL are MariaDB's")
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)


def test_calls_in_steady_use_share_the_connection_without_a_ping_each(mariadb, hop, health_checks):
    first = hop(_thread_connection_id)
    checks_after_first = len(health_checks)

    assert [hop(_thread_connection_id) for _ in range(5)] == [first] * 5
    assert len(health_checks) == checks_after_first  # channels' hop pinged before each of these


def test_an_idle_connection_is_checked_again(mariadb, hop, health_checks, monkeypatch):
    hop(_thread_connection_id)
    monkeypatch.setattr(socketdb, "IDLE_CHECK_SECONDS", -1.0)  # every connection counts as idle now
    before = len(health_checks)

    hop(_thread_connection_id)

    assert len(health_checks) == before + 1


def test_a_connection_killed_in_steady_use_fails_one_call_and_the_next_gets_a_new_one(mariadb, hop):
    killed = hop(_thread_connection_id)
    with connections["default"].cursor() as cursor:  # this test's own connection: the server closes the other
        cursor.execute(f"KILL CONNECTION {killed}")

    with pytest.raises(DatabaseError):
        hop(_thread_connection_id)  # within the idle window: no ping, so this call meets the dead connection
    replacement = hop(_thread_connection_id)

    assert replacement != killed


def test_a_socket_gets_its_session_and_user_and_sends_through_the_servers_own_send():
    """servizo.socketdb.SocketSessionMiddleware: no session-saving wrapper around every frame sent."""
    customer = CustomerFactory()
    cookie = session_cookie(customer)
    seen = {}

    async def socket(scope, receive, send):
        seen["user"] = await database_sync_to_async(lambda: scope["user"].pk)()
        seen["send"] = send

    async def server_send(message):
        pass

    scope = {"type": "websocket", "path": "/ws/", "headers": [(b"cookie", cookie.encode())]}
    async_to_sync(socket_auth_middleware_stack(socket))(scope, None, server_send)

    assert seen == {"user": customer.pk, "send": server_send}
