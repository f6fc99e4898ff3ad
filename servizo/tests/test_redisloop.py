"""servizo.redisloop and the channel layer publishing on it: replies in order, outages as redis-py's errors."""

import asyncio
import contextlib
import shutil
import socket
import subprocess
import time

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError, ResponseError

from servizo import redisloop
from servizo.channel_layer import RedisPubSubChannelLayer

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif("not settings.REDIS_URL", reason="needs Redis"),
]


@pytest.fixture
def url():
    return settings.REDIS_URL


def free_port() -> int:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return unused.getsockname()[1]


@pytest.fixture
def dead_url():
    return f"redis://127.0.0.1:{free_port()}/0"


async def test_commands_of_many_coroutines_get_their_own_replies_in_the_urls_database(url):
    redis = redisloop.connection(url)
    assert redisloop.connection(url) is redis  # one per event loop and URL

    await asyncio.gather(*(redis.execute("SET", f"servizo-loop-{n}", n) for n in range(50)))
    values = await asyncio.gather(*(redis.execute("GET", f"servizo-loop-{n}") for n in range(50)))
    database = (await redis.execute("CLIENT", "INFO")).decode()

    assert values == [str(n).encode() for n in range(50)]
    assert f" db={url.rsplit('/', 1)[1]} " in database
    assert await redis.execute("DEL", *(f"servizo-loop-{n}" for n in range(50))) == 50


async def test_a_command_sent_goes_in_the_next_write_and_runs_before_a_later_command(url):
    redis = redisloop.connection(url)
    assert await redis.send("SET", "servizo-loop-sent", "early") == b"OK"  # not connected yet: it connects first

    deleted = redis.send("DEL", "servizo-loop-sent")  # connected: queued for the next write, its reply awaited later
    assert len(redis.protocol.unsent) == 1
    assert await redis.execute("EXISTS", "servizo-loop-sent") == 0  # both in one write: the DEL ran first
    assert deleted.done() and await deleted == 1 and not redis.protocol.unsent
    assert await asyncio.wait_for(redis.send("PING"), 2) == b"PONG"  # alone: written on the loop's next turn


async def test_an_error_reply_raises_for_its_command_only(url):
    redis = redisloop.connection(url)
    with pytest.raises(ResponseError):
        await redis.execute("NO-SUCH-COMMAND")
    assert await redis.execute("PING") == b"PONG"


async def test_a_lost_connection_fails_what_waits_on_it_and_the_next_command_reconnects(url):
    redis = redisloop.connection(url)
    own_id = await redis.execute("CLIENT", "ID")
    blocked = asyncio.ensure_future(redis.execute("BLPOP", "servizo-loop-never", 10))
    await asyncio.sleep(0.1)

    killer = redisloop.LoopRedis(url)  # a connection of its own
    await killer.execute("CLIENT", "KILL", "ID", own_id)
    killer.protocol.transport.close()

    with pytest.raises(ConnectionError):
        await blocked
    assert await redis.execute("PING") == b"PONG"
    assert await redis.execute("CLIENT", "ID") != own_id


async def test_an_unreachable_server_raises_redis_pys_connection_error(dead_url):
    with pytest.raises(ConnectionError):
        await redisloop.connection(dead_url).execute("PING")


async def test_a_reply_that_comes_after_its_caller_gave_up_is_dropped_and_the_next_gets_its_own(url):
    redis = redisloop.connection(url)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await redis.execute("BLPOP", "servizo-loop-never", 1)
    assert await redis.execute("ECHO", "mine") == b"mine"  # not the BLPOP's late nil


async def test_group_sends_reach_members_subscribed_through_channels_redis():
    layer = get_channel_layer()
    assert isinstance(layer, RedisPubSubChannelLayer) and layer.publish_address
    channel = await layer.new_channel()
    await layer.group_add("servizo-loop-group", channel)

    await layer.group_send("servizo-loop-group", {"type": "chat.message", "text": "hi", "n": 1})

    async with asyncio.timeout(3):
        assert await layer.receive(channel) == {"type": "chat.message", "text": "hi", "n": 1}
    await layer.group_discard("servizo-loop-group", channel)
    await layer.flush()


async def test_the_layer_receives_on_its_own_subscriber_without_polling(monkeypatch):
    reads = []
    monkeypatch.setattr(PubSub, "get_message", lambda *args, **kwargs: reads.append(kwargs))  # channels_redis's way
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("servizo-loop-idle", channel)
    await asyncio.sleep(0.3)  # idle: channels_redis's receiver read (and timed out) every 0.1 s

    await layer.group_send("servizo-loop-idle", {"type": "x"})
    async with asyncio.timeout(3):
        assert await layer.receive(channel) == {"type": "x"}
    assert reads == []
    await layer.group_discard("servizo-loop-idle", channel)
    await layer.flush()


async def test_a_subscriber_whose_connection_is_lost_connects_and_subscribes_again(url):
    received = []
    subscriber = redisloop.LoopSubscriber(url, lambda channel, data: received.append((channel, data)))
    await subscriber.subscribe("servizo-loop-a")
    await subscriber.subscribe("servizo-loop-b")
    await subscriber.unsubscribe("servizo-loop-b")
    redis = redisloop.connection(url)
    host, port = subscriber.protocol.transport.get_extra_info("sockname")[:2]
    await asyncio.sleep(0.1)  # Redis has applied the subscriptions

    await redis.execute("CLIENT", "KILL", "ADDR", f"{host}:{port}")  # as a Redis restart would
    async with asyncio.timeout(5):
        while await redis.execute("PUBLISH", "servizo-loop-a", "after") == 0:  # until it listens again
            await asyncio.sleep(0.05)
    await redis.execute("PUBLISH", "servizo-loop-b", "not subscribed")
    await redis.execute("PUBLISH", "servizo-loop-a", "last")
    async with asyncio.timeout(3):
        while (b"servizo-loop-a", b"last") not in received:
            await asyncio.sleep(0.01)

    assert [data for _, data in received] == [b"after", b"last"]
    subscriber.close()


async def test_with_sharded_hosts_channels_redis_picks_the_shard_and_publishes(url):
    layer = RedisPubSubChannelLayer(hosts=[url, url], prefix="servizo-loop-test")
    assert layer.publish_address is None
    channel = await layer.new_channel()
    await layer.group_add("g", channel)

    await layer.group_send("g", {"type": "x"})

    async with asyncio.timeout(3):
        assert await layer.receive(channel) == {"type": "x"}
    await layer.flush()


def redis_server(tmp_path, *options: str):
    """A Redis server of its own (Debian's redis-server, which the machine runs) on a free port, with `options`;
    yields the port."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs redis-server")
    port = free_port()
    tls = "--tls-cert-file" in options
    listen = ["--port", "0", "--tls-port", str(port)] if tls else ["--port", str(port)]
    base = ["--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)]
    process = subprocess.Popen([server, *listen, *base, *options], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def redis_with_password(tmp_path):
    yield from redis_server(tmp_path, "--requirepass", "s3cret")


@pytest.fixture
def redis_with_tls(tmp_path):
    """A Redis server that speaks TLS only, with a certificate for 127.0.0.1 made here (openssl); yields the port
    and the certificate's path, which is its own authority."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl")
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    names = ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run([*request, *names, "-keyout", key, "-out", certificate], check=True, capture_output=True)
    tls = ["--tls-cert-file", str(certificate), "--tls-key-file", str(key), "--tls-auth-clients", "no"]
    for port in redis_server(tmp_path, *tls):
        yield port, certificate


async def test_a_url_with_a_password_and_a_database_logs_in_and_selects_it(redis_with_password):
    port = redis_with_password
    with pytest.raises(ResponseError):  # without the password Redis refuses
        await redisloop.connection(f"redis://127.0.0.1:{port}/0").execute("PING")

    redis = redisloop.connection(f"redis://:s3cret@127.0.0.1:{port}/3")
    await redis.execute("SET", "k", "v")

    assert " db=3 " in (await redis.execute("CLIENT", "INFO")).decode()
    assert await redisloop.connection(f"redis://:s3cret@127.0.0.1:{port}/4").execute("GET", "k") is None


async def test_a_rediss_url_speaks_tls_checking_the_certificate_unless_told_not_to(redis_with_tls):
    port, authority = redis_with_tls
    with pytest.raises(ConnectionError):  # not signed by an authority the system knows
        await redisloop.connection(f"rediss://127.0.0.1:{port}/0").execute("PING")

    redis = redisloop.connection(f"rediss://127.0.0.1:{port}/2?ssl_ca_certs={authority}")
    unchecked = redisloop.connection(f"rediss://127.0.0.1:{port}/2?ssl_cert_reqs=none")
    received = []
    subscribed = f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={authority}"
    subscriber = redisloop.LoopSubscriber(subscribed, lambda channel, data: received.append(data))
    await subscriber.subscribe("servizo-tls")
    await redis.execute("SET", "k", "v")

    assert await unchecked.execute("GET", "k") == b"v"
    async with asyncio.timeout(3):
        while await redis.execute("PUBLISH", "servizo-tls", "over tls") == 0:
            await asyncio.sleep(0.05)
        while not received:
            await asyncio.sleep(0.01)
    assert received == [b"over tls"]
    subscriber.close()
