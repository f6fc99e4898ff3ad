"""Chat latency under load: N WebSocket clients over two daphne processes sharing Redis.

    DATABASE_URL=mysql://... REDIS_URL=redis://.../N python bench/chat_latency.py [--clients 100]
        [--rate 200] [--duration 15] [--reads]

Half the clients are customers connected to daphne A, half their providers connected to daphne B, so
every message crosses processes through the Redis layer. Once every socket is open, clients send
`--rate` messages per second in total (spread evenly) for `--duration` seconds. Latency is send →
arrival of the broadcast at the other participant (same clock). "Missing" compares what each
participant received live with the messages stored in the database, then again after a resync like
the one a reconnecting page does. Needs a migrated database (it runs `migrate`); it adds its own
users and bookings there. The servers run with DEBUG off, persistent database connections
(CONN_MAX_AGE=60 unless set) and the per-user rate limit raised (the bench is not a spammer test).
It also prints its own CPU: the load generator shares the machine, at ~0.45 ms per message (under a
tenth of a core), so it is not what limits the figures. "sent" stays a little under rate x duration
because each client's random start phase uses part of the sending window. (Until issue 12's third
round clients started sending as soon as their own socket was open; under heavy load a partner still
connecting then missed those messages live, by design: its page gets them by the resync it sends
once open.)

Server CPU is printed two ways: over the whole run (the figure below up to 0f6cc6a's round and in
issue 12: connects, drain and the final resync included) and per message acked while every socket was
open and sending (the per-message cost alone). `--ports A B` puts the servers on given ports.

Figures (defaults: 100 clients, 200 msg/s, 15 s; 2 cores shared with other work, so the 1-min load
average before each run is given; 0 missing live and after resync in every run below):
  before (main at 0f6cc6a)  load 1.6: p50 189 ms, p95 409, server CPU 5.19 ms/message
                            load 2.9: p50 43, p95 256, p99 336, CPU 5.08 ms/message
  after (422a6a5)           load 1.8-4.5: p50 4.6-12.5, p95 12.5-62.8, CPU 3.32-4.04 ms/message
Issue 12, second round (CPU whole run / while sending, ms per message; the machine ran 12-21 load
from other work the whole time, so latencies are queueing for a core, not the servers' own cost):
  before (main at eec92ae)  load 10.3: 5.84 / 5.08, p95 12.9 s     load 21.2: 5.70 / 4.65, p95 12.0 s
  after                     load 12.1: 2.90 / 2.05, p95 6.0 s      load 13.0: 3.23 / 2.27, p95 10.9 s
                            load 15.7: 3.77 / 2.68, p95 6.4 s      load 18.0: 3.48 / 2.84, p95 11.0 s
                            load 19.0: 3.48 / 2.31, p95 9.8 s      load 17.5: 3.63 / 2.78, p95 6.0 s
                            load 15.7: 3.61 / 2.85, p95 735 ms (p50 211)
What changed (py-spy record --gil on both daphne processes, then cProfile of `message_send` in-process):
storing a message was ORM-compiled statements (a locking SELECT, INSERT, three UPDATEs with F/Case
expressions): it is now plain SQL, on MariaDB a lock, the INSERT and one multi-table UPDATE for every
counter (`chat.services._store_sql`); the socket broadcasts from its event loop instead of the worker
thread blocking on a hop back into it (`message_send(broadcast=False)`, now `from_socket=True`); the presence
check's cache read
reuses one Redis client (Django built one per call); the broadcast timeout is `asyncio.timeout`, not
`wait_for` and its extra task. Left, per message while sending (~2.0-2.8 ms at these loads): about a
quarter in the worker thread (its 7 database round trips and the presence read), the rest is daphne,
Twisted, autobahn, channels' dispatch and redis-py pub/sub for 1 frame in, 3 frames out, 1 publish and
2 pub/sub receipts.
Issue 12, third round: presence in the database and read with the send's checks, that read being the
conversation lock, hiredis, gc.freeze in servizo/asgi.py. Every run, before and after interleaved, is in
the README ("Chat, issue 12's third round"): at load 1.2-11, CPU while sending before 2.51-3.18 ms
(median 2.79), after 2.10-3.26 ms (median 2.55). For work independent of the machine's load, run with
`--profile-dir` and compare call counts per message (cProfile sees only the event-loop thread: 2,460
calls per message before and after).
Issue 12, fourth round: the sender's own message comes in its ack (2 frames out per message, not 3),
daphne runs on uvloop (servizo.socket_server, which the servers here are started with), sockets set
their language once (a fourth change, the store as START TRANSACTION/COMMIT without Django's atomic,
was measured in the "final code" runs and not kept).
Event-loop Python calls per message (a 15 s run minus a 1 s run, both processes): 2,233 -> 1,427.
CPU while sending, interleaved: before 2.64-3.61 ms (median 3.09, 24 runs, load 1.5-10.9), final code
2.65-3.08 ms (median 2.81, 7 runs, load 1.0-2.4; 3.18 for the before runs paired with them); every run
is in the README ("Chat, issue 12's fourth round").
Issue 12, fifth round: no health-check ping per socket hop (servizo.socketdb), the sender's page-cache
renewal on the event loop, one Redis cache client per process, a leaner socket dispatch loop, cheaper
socket opens, resyncs and closes; sessions here made by the site's engine (cached_db). Every run, before
and after interleaved, is in the README ("Chat, issue 12's fifth round").
Issue 12, sixth round, on a machine ~1.5x slower than the fifth's: no asyncio.wait_for task per Redis
command, autobahn's debug-log arguments made only when written, cheaper socket opens. Whole run 3.09-3.27
-> 2.75-3.27 ms per message (README, "Chat, issue 12's sixth round").
Issue 12, seventh round, on a machine ~1.55x slower than the issue's (0f6cc6a: 9.2-10.0 ms per message):
Twisted writes sent at once, one channel-layer group per participant (the sending process no longer hears
its own publish), no session wrapper around every frame sent. While sending, median 4.15 -> 3.73 ms per
message (README, "Chat, issue 12's seventh round").
Issue 12, eighth round, on a machine ~1.2x slower than the issue's (0f6cc6a: 6.8-7.5 ms per message): the store
in two round trips on MariaDB, what the first sockets loaded loaded before serving. Whole run, median of 5
interleaved: 3.72 -> 3.25 ms per message (README, "Chat, issue 12's eighth round"). With `--reads` (clients send
read receipts as the open page does; not in issue 12's load): 13.06 -> 5.91 ms per message, read receipts in
plain SQL and pushed from the socket's loop.
Issue 12, ninth round, on a machine ~1.36x slower than the issue's (0f6cc6a: 8.15 ms per message): sends and read
receipts awaited on the socket's event loop (servizo.loopdb, no worker thread), a lean Redis connection for the
group sends and the page generation's DEL (servizo.redisloop). Whole run, median of 5 interleaved: 3.07 -> 2.39 ms
per message; `--reads` 5.87 / 6.91 -> 4.84 / 4.69 (README, "Chat, issue 12's ninth round").
Issue 12, tenth round, on a machine faster than the issue's (0f6cc6a: 4.63-5.69 ms per message): one reader per
loop database connection, the DEL and the PUBLISH in one write, no Message per send, the socket's open and resync
on its event loop, the channel layer receiving on a lean subscriber (servizo.redisloop.LoopSubscriber). Whole run,
interleaved with 0f6cc6a (5 pairs): 5.12-5.69 against 1.19-1.44 ms per message, p95 4.8-8.4 ms (README, "Chat,
issue 12's tenth round").
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servizo.settings.base")


def setup_data(conversations: int) -> list[tuple[int, str, str]]:
    """(conversation id, customer cookie, provider cookie) for fresh booking conversations."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    from accounts.tests.factories import UserFactory
    from chat.tests.factories import ConversationFactory

    UserFactory.reset_sequence(time.time_ns() // 1000)  # fresh emails on every run

    session_store = import_module(settings.SESSION_ENGINE).SessionStore  # as logging in makes them (cache too)

    def cookie(user) -> str:
        session = session_store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"sessionid={session.session_key}"

    rows = []
    # The factories' users would each cost a PBKDF2 hash (~0.4 s of CPU); nothing here logs in with a password.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for _ in range(conversations):
            conversation = ConversationFactory()
            rows.append((conversation.pk, cookie(conversation.customer), cookie(conversation.provider)))
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daphne(port: int, log: Path | None, profile: Path | None) -> subprocess.Popen:
    env = {
        "CONN_MAX_AGE": "60",  # one persistent connection per process, as in production
        **os.environ,
        "DEBUG": "false",
        "CHAT_RATE_LIMIT_COUNT": "100000",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            *(["-m", "cProfile", "-o", str(profile / f"daphne-{port}.prof")] if profile else []),
            *["-m", "servizo.socket_server", "-b", "127.0.0.1", "-p", str(port), "servizo.asgi:application"],
            # All clients connect at once; on a busy machine daphne's 5 s default dropped handshakes.
            *["--websocket_connect_timeout", "30"],
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log / f"daphne-{port}.log", "w") if log else subprocess.DEVNULL,
    )


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"daphne on port {port} did not start")


class Client:
    def __init__(self, port: int, conversation_id: int, cookie: str, *, reads: bool = False):
        self.reads = reads  # send read receipts as the page does (`--reads`)
        self.read_timer: asyncio.TimerHandle | None = None
        self.url = f"ws://127.0.0.1:{port}/ws/chat/{conversation_id}/"
        self.origin = f"http://127.0.0.1:{port}"
        self.cookie = cookie
        self.conversation_id = conversation_id
        self.sent_at: dict[str, float] = {}  # client_id -> send time
        self.acked: dict[str, int] = {}  # client_id -> message id
        self.acked_at: dict[str, float] = {}  # client_id -> ack arrival time
        self.received: dict[int, float] = {}  # message id -> arrival time
        self.errors: list[dict] = []
        self.resynced: set[int] = set()
        self.history = asyncio.Event()
        self.connected = asyncio.Event()
        self.partner: Client | None = None  # the other participant of the conversation

    async def run(self, start: asyncio.Event, stop: asyncio.Event, interval: float, phase: float) -> None:
        from websockets.asyncio.client import connect

        headers = {"Cookie": self.cookie}
        # All clients open at once; on a busy machine the 10 s default timed handshakes out.
        async with connect(self.url, origin=self.origin, additional_headers=headers, open_timeout=60) as ws:
            self.ws = ws
            self.connected.set()
            await start.wait()  # every socket open: a message to one still connecting could arrive only by resync
            reader = asyncio.create_task(self.read(ws))
            await asyncio.sleep(phase)
            n = 0
            next_at = time.perf_counter()
            while not stop.is_set():
                client_id = f"{id(self)}-{n}"
                self.sent_at[client_id] = time.perf_counter()
                await ws.send(json.dumps({"type": "message", "text": f"load {n}", "client_id": client_id}))
                n += 1
                next_at += interval
                await asyncio.sleep(max(0, next_at - time.perf_counter()))
            await self.drained()
            await ws.send(json.dumps({"type": "resync", "after": 0}))
            await asyncio.wait_for(self.history.wait(), 30)
            reader.cancel()
            if self.read_timer is not None:
                self.read_timer.cancel()

    def settled(self) -> bool:
        """Every message this client sent is acked (stored) or refused."""
        return len(self.acked) + len(self.errors) >= len(self.sent_at)

    async def drained(self, quiet: float = 2, limit: float = 60) -> None:
        """Wait until every message of the conversation, the partner's too, is acked and nothing has arrived
        for `quiet` seconds. (Waiting for its own acks alone, a client under heavy load could resync before
        its partner's last messages were stored, and count those as missing after resync.)"""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            last = max(self.received.values(), default=0)
            if self.settled() and self.partner.settled() and time.perf_counter() - last > quiet:
                return
            await asyncio.sleep(0.2)

    def read_soon(self, ws) -> None:
        """Like the open page (static/js/chat.js): a read receipt 250 ms after the last message that arrived."""
        if self.read_timer is not None:
            self.read_timer.cancel()
        frame = json.dumps({"type": "read", "up_to": max(self.received)})
        self.read_timer = asyncio.get_running_loop().call_later(0.25, lambda: asyncio.ensure_future(ws.send(frame)))

    async def read(self, ws) -> None:
        async for raw in ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame["type"] == "message":
                self.received.setdefault(frame["message"]["id"], now)
                if self.reads:
                    self.read_soon(ws)
            elif frame["type"] == "ack":  # carries the sender's own message
                self.acked[frame["client_id"]] = frame["id"]
                self.acked_at[frame["client_id"]] = now
                self.received.setdefault(frame["id"], now)
            elif frame["type"] == "error":
                self.errors.append(frame)
            elif frame["type"] == "history":
                self.resynced.update(m["id"] for m in frame["messages"])
                if frame["more"]:
                    await ws.send(json.dumps({"type": "resync", "after": max(self.resynced)}))
                else:
                    self.history.set()


async def load(
    rows, ports, rate: float, duration: float, servers, reads: bool
) -> tuple[list[tuple[Client, Client]], float]:
    """Run the clients; returns the pairs and the servers' CPU per message handled while every socket was
    open and sending (last connect to stop, per message acked in that time): no connects, drain or resync."""
    pairs = [
        (Client(ports[0], cid, customer, reads=reads), Client(ports[1], cid, provider, reads=reads))
        for cid, customer, provider in rows
    ]
    for a, b in pairs:
        a.partner, b.partner = b, a
    clients = [c for pair in pairs for c in pair]
    interval = len(clients) / rate
    stop = asyncio.Event()
    start = asyncio.Event()
    tasks = [asyncio.create_task(c.run(start, stop, interval, random.uniform(0, interval))) for c in clients]
    await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in clients)), 60)
    start.set()
    cpu_before, acked_before = server_cpu(servers), sum(len(c.acked) for c in clients)
    await asyncio.sleep(duration)
    stop.set()
    acked = sum(len(c.acked) for c in clients) - acked_before
    steady = (server_cpu(servers) - cpu_before) / acked if acked > 0 else float("nan")
    await asyncio.gather(*tasks)
    return pairs, steady


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(servers) -> float:
    return sum(cpu_seconds(server.pid) for server in servers)


def report(pairs, args, total_cpu: float, steady_cpu: float) -> None:
    from django.db.models import Q

    from chat.models import Message

    latencies = []
    ack_latencies = []
    errors = 0
    missing_live = missing_after_resync = 0
    for a, b in pairs:
        stored = set(Message.objects.filter(conversation_id=a.conversation_id).values_list("id", flat=True))
        for sender, receiver in ((a, b), (b, a)):
            errors += len(sender.errors)
            ack_latencies.extend((sender.acked_at[c] - sender.sent_at[c]) * 1000 for c in sender.acked)
            for client_id, message_id in sender.acked.items():
                if message_id in receiver.received:
                    latencies.append((receiver.received[message_id] - sender.sent_at[client_id]) * 1000)
        for client in (a, b):
            missing_live += len(stored - set(client.received))
            missing_after_resync += len(stored - client.resynced)
    sent = sum(len(c.sent_at) for pair in pairs for c in pair)
    stored_total = Message.objects.filter(Q(conversation_id__in=[a.conversation_id for a, _ in pairs])).count()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    from django.conf import settings

    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[1]
    print(f"clients={len(pairs) * 2} rate={args.rate}/s duration={args.duration}s, two daphne processes, {layer}")
    print(
        f"load average before/after (1 min): {args.load_before:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    print(f"sent={sent} stored={stored_total} errors={errors} deliveries measured={len(latencies)}")
    print(
        f"latency ms: p50={q[49]:.1f} p95={q[94]:.1f} p99={q[98]:.1f} "
        f"max={max(latencies):.1f} mean={statistics.fmean(latencies):.1f}"
    )
    a = statistics.quantiles(ack_latencies, n=100, method="inclusive")
    print(f"sender ack (stored + broadcast) ms: p50={a[49]:.1f} p95={a[94]:.1f} p99={a[98]:.1f}")
    print(
        f"server CPU: {total_cpu:.1f} s for both processes = {total_cpu / max(sent, 1) * 1000:.2f} ms per message"
        f" (connects, drain and resync included); {steady_cpu * 1000:.2f} ms per message while all sockets sent"
    )
    print(
        f"load generator CPU (this process): {args.client_cpu:.1f} s"
        f" = {args.client_cpu / max(sent, 1) * 1000:.2f} ms per message"
    )
    print(f"missing vs database: live={missing_live} after resync={missing_after_resync}")


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so `timeout` still stops the servers
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=200, help="messages per second, all clients together")
    parser.add_argument("--duration", type=float, default=15, help="seconds of sending")
    parser.add_argument("--log-dir", type=Path, help="keep the daphne processes' stderr here")
    parser.add_argument("--profile-dir", type=Path, help="run daphne under cProfile, write .prof files here")
    parser.add_argument("--ports", type=int, nargs=2, help="the two daphne ports (default: two free ones)")
    parser.add_argument(
        "--reads", action="store_true", help="clients send read receipts as the open page does (not in issue 12's load)"
    )
    args = parser.parse_args()
    rows = setup_data(args.clients // 2)
    args.load_before = os.getloadavg()[0]
    ports = args.ports or [free_port(), free_port()]
    servers = [start_daphne(port, args.log_dir, args.profile_dir) for port in ports]
    try:
        for port in ports:
            wait_for_port(port)
        cpu_before = server_cpu(servers)
        client_cpu_before = time.process_time()
        pairs, steady_cpu = asyncio.run(load(rows, ports, args.rate, args.duration, servers, args.reads))
        args.client_cpu = time.process_time() - client_cpu_before
        report(pairs, args, server_cpu(servers) - cpu_before, steady_cpu)
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)  # daphne stops cleanly (and cProfile writes its file)
        for server in servers:
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:  # daphne waits for open sockets; do not leave it behind
                server.kill()


if __name__ == "__main__":
    main()
