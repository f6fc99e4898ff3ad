"""Two stateless app nodes on one machine, behind nginx, on a MariaDB primary + replica and two Redis.

    sudo .venv/bin/python bench/two_nodes.py [--duration 10] [--keep-running]

Starts, all on 127.0.0.1 (ports 9600-9699):
- a MariaDB primary (9606) and a read-only replica (9607) delayed by REPLICA_DELAY seconds
  (scripts/replica.sh; default 2 here, so a stale read would be seen);
- two redis-servers, 9679 (cache, sessions, channel layer shard 1) and 9680 (channel layer shard 2:
  CHANNEL_REDIS_HOSTS lists both);
- node A = gunicorn 9610 + daphne 9620, node B = gunicorn 9611 + daphne 9621, production settings
  (`bench.settings`: production, MD5 hasher for the script's own logins);
- nginx on 9600 with its own config (NGINX_CONF, written to a temporary directory): pages round-robin
  to the gunicorns, `/ws/` to both daphnes.

Then proves, failing loudly otherwise:
1. a login on node A's gunicorn is valid on node B's (the session lives in Redis + the database);
2. chat between a customer on daphne A and the provider on daphne B, both ways, and again through
   nginx; the channel layer's subscriptions are spread over both Redis servers;
3. the replica router through nginx: right after a provider declines an offer (POST), their feed comes
   from the primary without it; the same read without the pin cookie comes from the lagging replica
   and still shows it; after the delay the replica has it too;
4. throughput with `wrk -t1 -c8` through nginx to one node, then to both (bench/pages.py's wrk()).

Needs root (mariadbd runs as mysql), nginx (Debian: nginx-light), redis-server, wrk.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.chat_latency import cpu_seconds  # noqa: E402
from bench.pages import drain, production_env, wrk  # noqa: E402

NGINX_PORT, GUNICORN_PORTS, DAPHNE_PORTS, REDIS_PORTS = 9600, (9610, 9611), (9620, 9621), (9679, 9680)
PASSWORD = "two-nodes-password"
PYTHON = (sys.executable, "-m")
NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    upstream pages {{ {pages} keepalive 16; }}
    upstream sockets {{ {sockets} }}
    server {{
        listen 127.0.0.1:{port};
        location /ws/ {{
            proxy_pass http://sockets;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://pages;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--keep-running", action="store_true", help="leave everything up (Ctrl-C stops)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="servizo-two-nodes-"))
    delay = os.environ.get("REPLICA_DELAY", "2")
    pair = subprocess.run(
        ["scripts/replica.sh", "start"], cwd=ROOT, env=os.environ | {"REPLICA_DELAY": delay},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    urls = dict(line.split("=", 1) for line in pair.split())
    redis = [f"redis://127.0.0.1:{port}/0" for port in REDIS_PORTS]
    env = production_env(tmp) | urls | {
        "REDIS_URL": redis[0],
        "CHANNEL_REDIS_HOSTS": ",".join(redis),
        "BENCH_CACHE_PREFIX": "two-nodes",
        "CONN_MAX_AGE": "60",
    }  # fmt: skip
    os.environ.update(env)
    processes: list[subprocess.Popen] = []
    passed = False
    try:
        for port in REDIS_PORTS:
            processes.append(start(tmp, "redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""))
        data = setup_data()
        gunicorns = []
        for port in GUNICORN_PORTS:
            wsgi = ["servizo.wsgi:application", "--workers=2", f"--bind=127.0.0.1:{port}"]
            gunicorns.append(start(tmp, *PYTHON, "gunicorn", *wsgi))
        processes += gunicorns
        for port in DAPHNE_PORTS:
            processes.append(
                start(tmp, *PYTHON, "daphne", "-b", "127.0.0.1", "-p", str(port), "servizo.asgi:application")
            )
        for port in (*GUNICORN_PORTS, *DAPHNE_PORTS):
            wait_for(f"http://127.0.0.1:{port}/accounts/login/")
        nginx(tmp, GUNICORN_PORTS)
        wait_for(f"http://127.0.0.1:{NGINX_PORT}/accounts/login/")

        login_on_one_node_is_valid_on_the_other(data)
        asyncio.run(chat_across_nodes(data))
        writer_reads_own_write_while_replica_lags(data, float(delay))
        throughput(data, tmp, args.duration, [g.pid for g in gunicorns])
        passed = True
        if args.keep_running:
            print(f"Up: http://127.0.0.1:{NGINX_PORT}/ (Ctrl-C stops)", flush=True)
            while True:
                time.sleep(3600)
    finally:
        nginx_stop(tmp)
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        subprocess.run(["scripts/replica.sh", "stop"], cwd=ROOT, check=False)
        if passed:
            shutil.rmtree(tmp)
        else:
            print(f"Server logs kept in {tmp}", flush=True)


def start(tmp: Path, *command: str) -> subprocess.Popen:
    """A server process, its output in a log file under `tmp`."""
    with open(tmp / f"server-{time.monotonic_ns()}.log", "w") as log:
        return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2, headers={"X-Forwarded-Proto": "https"}).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def nginx(tmp: Path, gunicorn_ports: tuple[int, ...]) -> None:
    """Write the front's config for these gunicorn nodes (both daphnes always) and start or reload it."""
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            tmp=tmp,
            port=NGINX_PORT,
            pages=" ".join(f"server 127.0.0.1:{p};" for p in gunicorn_ports),
            sockets=" ".join(f"server 127.0.0.1:{p};" for p in DAPHNE_PORTS),
        )
    )
    running = (tmp / "nginx.pid").exists()
    command = ["nginx", "-c", str(conf), "-p", str(tmp), *(["-s", "reload"] if running else [])]
    subprocess.run(command, check=True, capture_output=True)
    time.sleep(1)  # a reload replaces the workers


def nginx_stop(tmp: Path) -> None:
    if (tmp / "nginx.pid").exists():
        subprocess.run(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp), "-s", "quit"], capture_output=True)


def setup_data() -> dict:
    """Migrate the primary, then a conversation (customer + provider) and a provider with an offer in their feed."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from accounts.tests.factories import UserFactory
    from chat.tests.factories import ConversationFactory
    from offers.tests.factories import OfferFactory

    UserFactory.reset_sequence(time.time_ns() // 1000)  # fresh emails on every run
    conversation = ConversationFactory()
    # An electrician job in Florence: in the feed of every ProviderFactory provider (a title unique to this run).
    offer = OfferFactory(title=f"Two-node run {time.time_ns()}")
    from accounts.tests.factories import ProviderFactory

    reader = ProviderFactory()
    for user in (conversation.customer, conversation.provider, reader):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return {"conversation": conversation, "offer": offer, "reader": reader}


class Browser:
    """A client that keeps its own cookies: the site's are Secure, and this speaks http to 127.0.0.1
    with X-Forwarded-Proto: https, as a TLS-terminating front would."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, base: str | None = None, **kwargs) -> requests.Response:
        base = base or self.base
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": base.replace("http://", "https://"),
            "Referer": base.replace("http://", "https://") + path,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        response = requests.request(method, base + path, headers=headers, allow_redirects=False, timeout=30, **kwargs)
        self.cookies.update({cookie.name: cookie.value for cookie in response.cookies})
        return response

    def login(self, email: str) -> None:
        self.request("GET", "/accounts/login/")
        response = self.request(
            "POST", "/accounts/login/",
            data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies["csrftoken"]},
        )  # fmt: skip
        assert response.status_code == 302, f"login as {email}: {response.status_code}"

    def post(self, path: str, data: dict) -> requests.Response:
        return self.request("POST", path, data={**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]})


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        raise SystemExit(1)


def login_on_one_node_is_valid_on_the_other(data: dict) -> None:
    from django.utils.html import escape

    customer = data["conversation"].customer
    browser = Browser(f"http://127.0.0.1:{GUNICORN_PORTS[0]}")
    browser.login(customer.email)
    page = browser.request("GET", "/dashboard/", base=f"http://127.0.0.1:{GUNICORN_PORTS[1]}")
    check(
        page.status_code == 200 and escape(customer.full_name) in page.text,
        f"login on gunicorn A is valid on gunicorn B ({page.status_code} {page.headers.get('Location', '')})",
    )
    keys = redis_cli(REDIS_PORTS[0], "--scan", "--pattern", "*cached_db*")
    check(bool(keys), f"sessions cached in Redis {REDIS_PORTS[0]} ({len(keys)} keys)")


async def chat_across_nodes(data: dict) -> None:
    from websockets.asyncio.client import connect

    conversation = data["conversation"]
    sessions = {}
    for user in (conversation.customer, conversation.provider):
        browser = Browser(f"http://127.0.0.1:{NGINX_PORT}")
        browser.login(user.email)
        sessions[user.pk] = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())

    async def socket(port: int, user):
        url = f"ws://127.0.0.1:{port}/ws/chat/{conversation.pk}/"
        return await connect(url, origin=f"http://127.0.0.1:{port}", additional_headers={"Cookie": sessions[user.pk]})

    async def receive_text(ws, text: str) -> bool:
        async def wait():
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == "message" and frame["message"]["text"] == text:
                    return True

        try:
            return await asyncio.wait_for(wait(), 10)
        except TimeoutError:
            return False

    for label, (port_a, port_b) in {
        "daphne A <-> daphne B": DAPHNE_PORTS,
        "both through nginx": (NGINX_PORT, NGINX_PORT),
    }.items():
        customer = await socket(port_a, conversation.customer)
        provider = await socket(port_b, conversation.provider)
        for sender, receiver, who in (
            (provider, customer, "provider -> customer"),
            (customer, provider, "customer -> provider"),
        ):
            text = f"{who} {time.time_ns()}"
            await sender.send(json.dumps({"type": "message", "text": text, "client_id": text}))
            check(await receive_text(receiver, text), f"chat {who}, {label}")
        await customer.close()
        await provider.close()
    # Each socket subscribes its own (random) channel name, hashed to one shard: open sockets until both
    # shards have one (20 all landing on one shard would take a 1-in-500,000 draw, or a layer not sharding).
    extra = []
    for _ in range(20):
        extra.append(await socket(DAPHNE_PORTS[0], conversation.customer))
        await asyncio.sleep(0.2)
        shards = [redis_cli(port, "PUBSUB", "CHANNELS", "*") for port in REDIS_PORTS]
        if all(shards):
            break
    for ws in extra:
        await ws.close()
    counts = [len(channels) for channels in shards]
    check(all(shards), f"the channel layer uses both Redis shards ({len(extra)} sockets open: subscriptions {counts})")


def writer_reads_own_write_while_replica_lags(data: dict, delay: float) -> None:
    from servizo.replica import PIN_COOKIE

    offer, reader = data["offer"], data["reader"]
    time.sleep(delay + 1)  # the replica has the offer by now
    browser = Browser(f"http://127.0.0.1:{NGINX_PORT}")
    browser.login(reader.email)
    browser.cookies.pop(PIN_COOKIE, None)  # logging in wrote (last_login): start unpinned
    check(offer.title in browser.request("GET", "/offers/feed/").text, "the offer is in the provider's feed")

    declined = browser.post(f"/offers/{offer.pk}/decline/", {"terms_version": 1, "reason": ""})
    own = browser.request("GET", "/offers/feed/").text
    pin = browser.cookies.pop(PIN_COOKIE, None)
    stale = browser.request("GET", "/offers/feed/").text
    check(declined.status_code == 302 and pin is not None, "declining (POST) set the pin cookie")
    check(offer.title not in own, "right after the decline the pinned feed (primary) no longer shows the offer")
    check(offer.title in stale, f"the same read unpinned hits the replica, {delay:g} s behind: still shows it")
    time.sleep(delay + 1)
    check(offer.title not in browser.request("GET", "/offers/feed/").text, "after the delay the replica has it too")


def throughput(data: dict, tmp: Path, duration: int, gunicorn_pids: list[int]) -> None:
    """The bare view (the ceiling), the landing page (anonymous) and the provider's feed (a replica read),
    through nginx to one node, then to two; twice over, since the machine's load moves.

    Besides req/s, the CPU each request cost the app (gunicorn masters and workers), the primary and the
    replica, from /proc before and after each run: that figure barely moves with the
    machine's load, and 1000 / (app ms) is what one app core serves.
    """
    browser = Browser(f"http://127.0.0.1:{NGINX_PORT}")
    browser.login(data["reader"].email)
    session = browser.cookies["sessionid"]
    base = f"http://127.0.0.1:{NGINX_PORT}"
    scaleout_dir = Path(os.environ.get("SCALEOUT_DIR", "/var/tmp/servizo-scaleout"))
    primary, replica = ([int((scaleout_dir / role / "mysqld.pid").read_text())] for role in ("primary", "replica"))
    app = [pid for master in gunicorn_pids for pid in (master, *children(master))]
    print(f"     {uptime()}", flush=True)
    for nodes in (GUNICORN_PORTS[:1], GUNICORN_PORTS, GUNICORN_PORTS[:1], GUNICORN_PORTS):
        nginx(tmp, nodes)
        for label, path, cookie in (
            ("bare view", "/bench/bare/", None),
            ("landing, anonymous", "/", None),
            ("offer feed (replica)", "/offers/feed/", session),
        ):
            before = [sum(map(cpu_seconds, pids)) for pids in (app, primary, replica)]
            run = wrk(base + path, cookie, duration)
            drain(base + "/bench/bare/", run)  # the requests still queued when wrk stopped
            app_ms, primary_ms, replica_ms = (
                1000 * (sum(map(cpu_seconds, pids)) - start) / run["requests"]
                for pids, start in zip((app, primary, replica), before, strict=True)
            )
            print(
                f"     {len(nodes)} node(s) {label:<21} {run['rps']:7.1f} req/s  p50 {run['p50']:6.1f} ms  "
                f"p99 {run['p99']:6.1f} ms  CPU ms per request: app {app_ms:5.2f}, primary {primary_ms:4.2f}, "
                f"replica {replica_ms:4.2f}",
                flush=True,
            )
    print(f"     {uptime()}", flush=True)


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def redis_cli(port: int, *command: str) -> list[str]:
    return subprocess.run(["redis-cli", "-p", str(port), *command], capture_output=True, text=True).stdout.split()


def uptime() -> str:
    return re.sub(r"\s+", " ", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
