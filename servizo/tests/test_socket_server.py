"""servizo.socket_server: daphne's reactor loop is uvloop's (production, prod-local, the chat bench)."""

import subprocess
import sys

from django.conf import settings


def test_daphne_builds_its_reactor_loop_on_uvloop_and_autobahn_logs_lazily():
    """daphne makes its loop when daphne.server is imported; a daphne that made it some other way would
    quietly run on asyncio's loop again. autobahn's debug-log arguments are made only for a line written
    (every socket test runs through them: the live servers are prepared the same way)."""
    code = (
        "from servizo.socket_server import prepare_process; prepare_process(); import daphne.server, uvloop;"
        "import autobahn.websocket.protocol as p; name = p.hltype(p.WebSocketProtocol);"
        "print(isinstance(daphne.server.twisted_loop, uvloop.Loop), isinstance(name, str),"
        " 'WebSocketProtocol' in str(name))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "True False True"


def test_a_write_goes_out_at_once_and_what_the_socket_does_not_take_waits_in_order():
    """servizo.socket_server.write_at_once, on a real Twisted connection over a socket pair (in a child
    process: the patch is process-wide)."""
    code = """
import socket
from servizo.socket_server import write_at_once
write_at_once()
from twisted.internet import protocol, selectreactor, tcp

reactor = selectreactor.SelectReactor()
ours, peer = socket.socketpair()
ours.setblocking(False)
peer.setblocking(False)
connection = tcp.Connection(ours, protocol.Protocol(), reactor)
connection.connected = 1

connection.write(b"frame")
print(peer.recv(100) == b"frame", connection in reactor.getWriters())

big = bytes(range(256)) * 40_000  # more than the socket pair buffers
connection.write(big)
connection.write(b"behind it")
waiting = connection in reactor.getWriters()
received = bytearray()
while len(received) < len(big) + 9:
    try:
        received += peer.recv(1 << 16)
    except BlockingIOError:
        reactor.doIteration(0.1)
print(waiting, bytes(received) == big + b"behind it", connection in reactor.getWriters())
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["True", "False", "True", "True", "False"]
