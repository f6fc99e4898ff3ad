"""A lean Redis connection for the event loop's hottest commands: a chat message's PUBLISH and its DEL of the
sender's page generation.

redis-py's asyncio client costs ~80 µs of CPU per command (its retry wrapper, connection pool, stream reader
and observability hooks), more than twice what the command needs (bench/chat_latency.py). Here a command is
packed by hiredis and written straight to the transport; the protocol parses the replies with hiredis as they
arrive and answers the waiting commands in order. Commands of many coroutines share the connection: each
writes and queues its waiter without yielding in between, and Redis answers in the order it read them.

One connection per (event loop, URL), opened by the first command and again by the first one after it is
lost. Failures raise redis-py's exceptions, which callers already treat as an outage (servizo.realtime,
servizo.cache): ConnectionError when it cannot connect or the connection is lost (every waiting command
fails with it), ResponseError for an error reply. Callers bound each command in time (`asyncio.timeout`); a
reply that comes after its caller gave up is read and dropped.
"""

import asyncio
import ssl
from collections import deque

import hiredis
from redis.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError, InvalidResponse, ResponseError

from servizo.perloop import PerLoop

CONNECT_TIMEOUT_SECONDS = 5.0


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reader = hiredis.Reader(protocolError=InvalidResponse, replyError=ResponseError)
        self.waiting: deque[asyncio.Future] = deque()
        self.unsent: list[bytes] = []  # commands `LoopRedis.send` queued for the next write

    def connection_made(self, transport) -> None:
        self.transport = transport

    def write_unsent(self) -> None:
        if self.unsent and self.transport is not None:
            self.transport.write(b"".join(self.unsent))
        self.unsent.clear()

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while (reply := self.reader.gets()) is not False:
            waiter = self.waiting.popleft()
            if waiter.done():  # its caller gave up waiting
                continue
            if isinstance(reply, ResponseError):
                waiter.set_exception(reply)
            else:
                waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.unsent.clear()
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionError(f"Connection to Redis lost: {exc or 'closed'}"))


def _tls(options: dict) -> ssl.SSLContext | None:
    if options.get("connection_class") is not SSLConnection:
        return None
    context = ssl.create_default_context()
    if options.get("ssl_cert_reqs") in ("none", ssl.CERT_NONE):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class LoopRedis:
    """Redis at `url` for the running event loop (`connection(url)`): `await execute("PUBLISH", channel, data)`."""

    def __init__(self, url: str) -> None:
        self.options = parse_url(url)
        self.protocol: _Protocol | None = None
        self.connecting = asyncio.Lock()

    async def execute(self, *args: bytes | str | int):
        """Send one command; its reply (an error reply raises ResponseError)."""
        protocol = self.protocol
        if protocol is None or protocol.transport is None:
            protocol = await self._connected()
        return await _send(protocol, args)

    def send(self, *args: bytes | str | int) -> asyncio.Future:
        """`execute`, with the command queued before this returns once connected (before that, it connects on a
        task of its own): Redis runs it before any command sent after it on this connection, and it goes in the
        same write as the next command (or on the loop's next turn), their replies read on one wake-up. Await the
        result for the reply."""
        protocol = self.protocol
        if protocol is None or protocol.transport is None:
            return asyncio.ensure_future(self.execute(*args))
        return _send(protocol, args, later=True)

    async def _connected(self) -> _Protocol:
        async with self.connecting:  # the first caller connects; the others wait for it
            if self.protocol is None or self.protocol.transport is None:
                self.protocol = await self._connect()
            return self.protocol

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        options = self.options
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
                if "path" in options:
                    _, protocol = await loop.create_unix_connection(_Protocol, options["path"])
                else:
                    host, port = options.get("host", "localhost"), options.get("port", 6379)
                    _, protocol = await loop.create_connection(_Protocol, host, port, ssl=_tls(options))
                await _prepared(protocol, options)
        except (OSError, TimeoutError) as error:
            raise ConnectionError(f"Cannot connect to Redis: {error}") from error
        return protocol


async def _prepared(protocol: _Protocol, options: dict) -> None:
    """Log in and choose the database, as redis-py does on connect; a refusal closes the connection."""
    try:
        if options.get("password"):
            credentials = [options["username"]] if options.get("username") else []
            await _send(protocol, ("AUTH", *credentials, options["password"]))
        if options.get("db"):
            await _send(protocol, ("SELECT", options["db"]))
    except BaseException:
        protocol.transport.close()
        raise


def _send(protocol: _Protocol, args: tuple, *, later: bool = False) -> asyncio.Future:
    """Write one command, after any queued before it, and queue its waiter, with no yield in between (replies
    come in that order); `later` leaves it queued for the next write (one on the loop's next turn at the latest)."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()
    protocol.unsent.append(hiredis.pack_command(args))
    protocol.waiting.append(waiter)
    if not later:
        protocol.write_unsent()
    elif len(protocol.unsent) == 1:
        loop.call_soon(protocol.write_unsent)
    return waiter


_connections: PerLoop[LoopRedis] = PerLoop(LoopRedis)  # (event loop, URL) -> LoopRedis


def connection(url: str) -> LoopRedis:
    """The running event loop's connection to Redis at `url`."""
    return _connections.get(url)
