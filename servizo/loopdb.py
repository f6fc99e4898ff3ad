"""Transactions awaited on the event loop: MariaDB round trips without a worker thread.

A chat socket's send is a few short statements. Run on a worker thread (`servizo.socketdb`), each send also paid
for the hop there and back: the executor and its futures, waking the thread and then the loop, the GIL handed
over twice; ~0.4 ms of server CPU per message, as much as the statements themselves (bench/chat_latency.py).
Here the coroutine sends each statement itself (mysqlclient's `send_query`), waits for the reply on the event
loop (a reader on the connection's socket, added once) and reads it (`read_query_result`): the loop is never blocked
on the database, and no thread is involved.

`transaction()` lends a connection of a small per-loop pool for one transaction: committed when the block ends,
rolled back when it raises. The connections are Django's own (`connections.create_connection`: the same settings,
session state and error classes), made on a worker thread (connecting blocks) with autocommit off. One whose
socket the server closes while it is idle is closed then and there; one that has been idle for IDLE_CHECK_SECONDS
is checked with a round trip first and replaced if dead (the database restarted, its idle timeout closed it,
and no word of it came); one that fails a statement, or whose reply was abandoned (the awaiting task was
cancelled), is closed, never lent again; the database rolls back what it had not committed.

MariaDB only (`available`): elsewhere callers keep their worker thread.
"""

import asyncio
import os
import socket
import time
from contextlib import asynccontextmanager, suppress
from functools import cache, lru_cache

from asgiref.sync import sync_to_async
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from servizo.perloop import PerLoop

POOL_SIZE = 4  # per event loop (a daphne process has one): transactions of a process that run at once
IDLE_CHECK_SECONDS = 5.0
_LOOK = int(socket.MSG_PEEK | socket.MSG_DONTWAIT)  # once: or-ing the flags is enum code, per call


@cache  # a process's databases do not change vendor
def available(alias: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[alias].vendor == "mysql"


@lru_cache(maxsize=256)
def _encoded(text: str, encoding: str) -> bytes:
    """A statement's (or a parameter name's) bytes, made once: callers send the same few over and over."""
    return text.encode(encoding)


class Quoted(dict):
    """Parameters already quoted for the connection (`LoopConnection.quote`)."""


class LoopConnection:
    """A Django database connection that one coroutine at a time uses from an event loop."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper
        self.raw = wrapper.connection
        self.last_used = time.monotonic()
        self.unusable = False  # a statement failed on it, its reply was left unread, or the server closed it
        self.watching: asyncio.AbstractEventLoop | None = None  # the loop that watches its socket
        self.peek = socket.socket(fileno=os.dup(self.raw.fileno()))  # its own descriptor, to look without reading
        self.reply: asyncio.Future | None = None  # what the statement in flight awaits

    def quote(self, params: dict) -> "Quoted":
        """`params` quoted once, for several statements that use them (`execute(sql, quoted)`)."""
        encoding = self.raw.encoding
        return Quoted({_encoded(key, encoding): self._literal(value) for key, value in params.items()})

    def _literal(self, value) -> bytes:
        """`value` as MySQLdb's `literal` spells it; ints and None here, which it spells in Python through its
        encoders (most of a chat send's parameters are ids)."""
        if type(value) is int:  # not bool, which MySQLdb spells 1 or 0
            return b"%d" % value
        if value is None:
            return b"NULL"
        return self.raw.literal(value)

    def _bind(self, sql: str, params: dict | list | tuple | None) -> bytes:
        """`sql` with `params` quoted in, as MySQLdb's cursor does it (the same `%s` / `%(name)s` placeholders)."""
        query = _encoded(sql, self.raw.encoding)
        if params is None:
            return query
        if isinstance(params, Quoted):
            return query % params
        if isinstance(params, dict):
            return query % self.quote(params)
        return query % tuple([self._literal(value) for value in params])

    def _readable(self) -> None:
        """Bytes (or the end) to read: the reply of the statement in flight, or, with none in flight, the server
        closing the connection (a restart, its idle timeout, KILL): then it is closed here, never lent again.

        The loop may report the socket once more after a reply was read (it polled before the read): so the
        socket is asked first, without reading or waiting, whether anything is there."""
        try:
            self.peek.recv(1, _LOOK)
        except BlockingIOError:  # a report from before the last read: nothing new
            return
        except OSError:
            pass
        reply = self.reply
        if reply is None:
            self.close()
        elif not reply.done():
            reply.set_result(None)

    async def _run(self, sql: str, params) -> None:
        raw = self.raw
        self.unusable = True  # until the reply is read
        with self.wrapper.wrap_database_errors:  # MySQLdb's errors raised as Django's
            raw.send_query(self._bind(sql, params))
            if self.watching is None:  # watched from its first statement to its close: adding and removing the
                # reader around each statement cost three epoll_ctl system calls a statement (strace, chat bench)
                self.watching = asyncio.get_running_loop()
                self.watching.add_reader(raw.fileno(), self._readable)
            self.reply = self.watching.create_future()
            try:
                await self.reply
            finally:
                self.reply = None
            raw.read_query_result()
        self.unusable = False
        self.last_used = time.monotonic()

    async def fetch(self, sql: str, params=None) -> tuple[tuple, ...]:
        """The rows of one statement, converted as Django's cursor converts them."""
        await self._run(sql, params)
        result = self.raw.store_result()
        return result.fetch_row(0) if result is not None else ()

    async def execute(self, sql: str, params=None) -> int:
        """Run one statement; the number of rows it changed."""
        await self._run(sql, params)
        return self.rowcount()

    def rowcount(self) -> int:
        """The rows the last statement changed (or returned), as a cursor's `rowcount`."""
        return self.raw.affected_rows()

    def last_insert_id(self) -> int:
        return self.raw.insert_id()

    def close(self) -> None:
        self.unusable = True
        if self.watching is not None:
            with suppress(Exception):  # the loop may be closed already
                self.watching.remove_reader(self.raw.fileno())
            self.watching = None
        self.peek.close()
        with suppress(Exception):
            self.raw.close()


def _connect(alias: str):
    wrapper = connections.create_connection(alias)
    wrapper.connect()
    wrapper.connection.autocommit(False)  # every statement runs in the transaction COMMIT or ROLLBACK ends
    return wrapper


_connect_on_a_thread = sync_to_async(_connect, thread_sensitive=False)


class _Pool:
    def __init__(self) -> None:
        self.idle: list[LoopConnection] = []
        self.slots = asyncio.Semaphore(POOL_SIZE)

    async def take(self, alias: str) -> LoopConnection:
        while self.idle:
            lent = self.idle.pop()
            if lent.unusable:  # the server closed it while it was idle
                continue
            if time.monotonic() - lent.last_used < IDLE_CHECK_SECONDS:
                return lent
            try:
                await lent.execute("DO 1")
                return lent
            except DatabaseError:
                lent.close()
        return LoopConnection(await _connect_on_a_thread(alias))


_pools: PerLoop[_Pool] = PerLoop(lambda alias: _Pool())  # (event loop, alias) -> _Pool


@asynccontextmanager
async def transaction(alias: str = DEFAULT_DB_ALIAS):
    """A `LoopConnection` in a transaction: committed when the block ends, rolled back if it raises."""
    pool = _pools.get(alias)
    async with pool.slots:
        connection = await pool.take(alias)
        try:
            yield connection
            await connection.execute("COMMIT")
        except BaseException:
            if not connection.unusable:
                try:
                    await connection.execute("ROLLBACK")
                except BaseException:  # a connection in doubt is closed: the database rolls back
                    connection.close()
            raise
        finally:
            if connection.unusable:
                connection.close()
            else:
                pool.idle.append(connection)
