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

`LoopSubscriber` is the same connection in subscribe mode, for the channel layer's receiving side.
"""

import asyncio
import itertools
import logging
import ssl
from collections import deque
from collections.abc import Callable

import hiredis
from redis.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError, InvalidResponse, ResponseError

from servizo.perloop import PerLoop

CONNECT_TIMEOUT_SECONDS = 5.0
RETRY_SECONDS = 1.0  # between attempts to make a lost subscriber connection again
logger = logging.getLogger(__name__)


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
    """A rediss:// URL's TLS, as redis-py reads its query: the server's certificate checked against the system's
    authorities or `ssl_ca_certs`, or not at all with `ssl_cert_reqs=none`."""
    if options.get("connection_class") is not SSLConnection:
        return None
    context = ssl.create_default_context(cafile=options.get("ssl_ca_certs"))
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
                self.protocol = await _connect(self.options, _Protocol)
            return self.protocol


async def _connect(options: dict, make_protocol: Callable[[], _Protocol]) -> _Protocol:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            if "path" in options:
                _, protocol = await loop.create_unix_connection(make_protocol, options["path"])
            else:
                host, port = options.get("host", "localhost"), options.get("port", 6379)
                _, protocol = await loop.create_connection(make_protocol, host, port, ssl=_tls(options))
            await _prepared(protocol, options)
    except (OSError, TimeoutError) as error:
        raise ConnectionError(f"Cannot connect to Redis: {error}") from error
    return protocol


class _Pushes(_Protocol):
    """A connection in subscribe mode: replies to its own commands while it connects (AUTH, SELECT) go to their
    waiters as on any connection; after that every reply is a push, and each message goes to `on_message`."""

    def __init__(self, on_message: Callable[[bytes, bytes], None], on_lost: Callable[[], None]) -> None:
        super().__init__()
        self.on_message = on_message
        self.on_lost = on_lost

    def data_received(self, data: bytes) -> None:
        if self.waiting:
            return super().data_received(data)
        self.reader.feed(data)
        while (push := self.reader.gets()) is not False:
            if isinstance(push, list) and push[0] == b"message":
                self.on_message(push[1], push[2])
            elif isinstance(push, ResponseError):  # a refused subscription (an ACL): nothing will arrive on it
                logger.error("Redis refused a subscription: %s", push)
            # else (un)subscribe confirmations: subscriptions take effect in the order they were written

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self.on_lost()


class LoopSubscriber:
    """Redis pub/sub at `url` for the running event loop: each message published on a subscribed channel calls
    `on_message(channel, data)` as it is read, with no task or timeout per message and none while idle.

    `subscribe` and `unsubscribe` write the command and return (as redis-py's pub/sub does, the confirmation is not
    awaited: Redis applies them in order). A lost connection is made again, every RETRY_SECONDS until it is, and
    every channel subscribed again; what was published in between is lost, as pub/sub always loses it.
    """

    def __init__(self, url: str, on_message: Callable[[bytes, bytes], None]) -> None:
        self.options = parse_url(url)
        self.on_message = on_message
        self.channels: set[str] = set()
        self.protocol: _Pushes | None = None
        self.connecting = asyncio.Lock()
        self.reconnecting: asyncio.Task | None = None
        self.closed = False

    async def subscribe(self, channel: str) -> None:
        self.channels.add(channel)
        (await self._connected()).transport.write(hiredis.pack_command(("SUBSCRIBE", channel)))

    async def unsubscribe(self, channel: str) -> None:
        self.channels.discard(channel)
        protocol = self.protocol
        if protocol is not None and protocol.transport is not None:
            protocol.transport.write(hiredis.pack_command(("UNSUBSCRIBE", channel)))

    def close(self) -> None:
        self.closed = True
        if self.reconnecting is not None:
            self.reconnecting.cancel()
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.close()

    async def _connected(self) -> _Pushes:
        async with self.connecting:
            if self.protocol is None or self.protocol.transport is None:
                self.protocol = await _connect(self.options, lambda: _Pushes(self.on_message, self._lost))
                if self.channels:  # again, after a lost connection
                    self.protocol.transport.write(hiredis.pack_command(("SUBSCRIBE", *self.channels)))
            return self.protocol

    def _lost(self) -> None:
        if not self.closed and self.reconnecting is None:
            self.reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        try:
            for attempt in itertools.count():
                if self.closed or not self.channels:
                    return
                try:
                    await self._connected()
                    return
                except ConnectionError as error:
                    if not attempt:  # once per outage
                        logger.warning("Redis pub/sub connection lost (%s); trying every %.0f s", error, RETRY_SECONDS)
                    await asyncio.sleep(RETRY_SECONDS)
        finally:
            self.reconnecting = None


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
