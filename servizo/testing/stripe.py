"""pytest plugin: a real localstripe server (with Servizo's test extension) per test session.

Use the `localstripe` fixture: it points settings (STRIPE_API_BASE, STRIPE_JS_URL) at the
session's server. It can `stop()` and `start()` the server (state survives in a state file),
register a webhook to a live server, and empty the data between tests when asked.
"""

import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalStripe:
    port: int
    state_file: Path
    process: subprocess.Popen | None = None
    webhooks: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "devtools.localstripe_server", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--state-file", str(self.state_file)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.base_url}/js.stripe.com/v3/", timeout=0.5)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            raise RuntimeError("localstripe did not start")
        for name, (url, secret) in self.webhooks.items():
            self._register(name, url, secret)

    def stop(self) -> None:
        """Stop the server (its state stays in the state file for the next start)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _register(self, name: str, url: str, secret: str) -> None:
        requests.post(f"{self.base_url}/_config/webhooks/{name}", data={"url": url, "secret": secret}, timeout=5)

    def register_webhook(self, name: str, url: str, secret: str) -> None:
        self.webhooks[name] = (url, secret)
        self._register(name, url, secret)

    def unregister_webhooks(self) -> None:
        """localstripe has no delete: point every webhook at a closed port instead."""
        for name in list(self.webhooks):
            self._register(name, f"http://127.0.0.1:{_free_port()}/", "whsec_unused")
        self.webhooks.clear()


@pytest.fixture(scope="session")
def localstripe_server(tmp_path_factory):
    server = LocalStripe(port=_free_port(), state_file=tmp_path_factory.mktemp("localstripe") / "state.pickle")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def localstripe(localstripe_server, settings):
    """The session's localstripe, with the SDK and Stripe.js settings pointed at it."""
    if localstripe_server.process is None:
        localstripe_server.start()
    settings.STRIPE_API_BASE = localstripe_server.base_url
    settings.STRIPE_JS_URL = f"{localstripe_server.base_url}/js.stripe.com/v3/"
    yield localstripe_server
    if localstripe_server.process is None:
        localstripe_server.start()
    localstripe_server.unregister_webhooks()
