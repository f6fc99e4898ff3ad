"""daphne on uvloop: `python -m servizo.socket_server [daphne's arguments]` (deploy/, prod-local, the chat bench).

daphne runs Twisted's asyncio reactor on a loop it makes when `daphne.server` is first imported; with
uvloop's policy set before that, the loop is uvloop's (libuv, in C) instead of asyncio's selector loop
(in Python), which runs every socket frame, pub/sub receipt and thread hand-off of the chat. Everything
else is daphne as it is (same arguments, same ASGI application), but for autobahn's debug-log arguments
(built only for a line that is written) and Twisted's writes (sent at once when nothing is queued).
"""

import asyncio
import pprint

import uvloop


def use_uvloop() -> None:
    """Make the loops asyncio creates from now on uvloop's (call before daphne.server is imported)."""
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _when_written(function):
    """`function(value)` as a log argument: made only when the line is written (str() of it)."""

    class Deferred:
        __slots__ = ("value",)

        def __init__(self, value):
            self.value = value

        def __str__(self) -> str:
            return function(self.value)

    return Deferred


def plain_autobahn_logs() -> None:
    """Stop autobahn dressing up debug-log arguments that the logger then drops.

    On every frame sent and received it built them (`hltype`, `hlval`: a qualified name from `inspect`,
    then click.style per value): a fifth of a chat message's event-loop calls (bench/chat_latency.py). On
    every connection it pretty-printed its ~30 options (`pformat`): a twentieth of a socket open's CPU.
    Now each is made only for a debug line that is written, as it was.
    """
    import autobahn.twisted.websocket
    import autobahn.util
    import autobahn.websocket.protocol

    for module in (autobahn.websocket.protocol, autobahn.twisted.websocket):
        module.hltype = _when_written(autobahn.util.hltype)
        module.hlval = _when_written(autobahn.util.hlval)
    autobahn.websocket.protocol.pformat = _when_written(pprint.pformat)


def write_at_once() -> None:
    """Make Twisted's TCP connections send a write at once when nothing is queued before it.

    Twisted queues every write and has the reactor call it back when the socket is writable: per WebSocket
    frame sent, an add_writer (a system call), a turn of the loop, the send, then a remove_writer (another
    system call), about a twentieth of a chat message's server CPU (bench/chat_latency.py). Now a write with
    nothing queued goes to the socket at once; whatever the socket does not take, and every write behind it,
    is queued as Twisted always did, so the order, the back-pressure on producers and what happens on a lost
    connection (the queued write meets the error) stay Twisted's.
    """
    from twisted.internet import tcp

    queue_write = tcp.Connection.write

    def write(self, data: bytes) -> None:
        if self.connected and not self._writeDisconnected and not self.dataBuffer and not self._tempDataLen:
            sent = self.writeSomeData(data)
            if isinstance(sent, int):  # else the connection is lost: the queued write will meet it
                if sent == len(data):
                    return
                data = data[sent:]
        queue_write(self, data)

    tcp.Connection.write = write


def prepare_process() -> None:
    """What every daphne process of Servizo's runs with (`python -m servizo.socket_server`, the test suite's
    live servers): uvloop, plain autobahn logs and writes sent at once. Call it before `daphne.server` is
    imported."""
    use_uvloop()
    plain_autobahn_logs()
    write_at_once()


if __name__ == "__main__":
    prepare_process()
    from daphne.cli import CommandLineInterface

    CommandLineInterface.entrypoint()
