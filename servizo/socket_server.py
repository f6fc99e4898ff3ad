"""daphne on uvloop: `python -m servizo.socket_server [daphne's arguments]` (deploy/, prod-local, the chat bench).

daphne runs Twisted's asyncio reactor on a loop it makes when `daphne.server` is first imported; with
uvloop's policy set before that, the loop is uvloop's (libuv, in C) instead of asyncio's selector loop
(in Python), which runs every socket frame, pub/sub receipt and thread hand-off of the chat. Everything
else is daphne as it is (same arguments, same ASGI application), but for autobahn's debug-log arguments
(built only for a line that is written).
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


def prepare_process() -> None:
    """What every daphne process of Servizo's runs with (`python -m servizo.socket_server`, the test suite's
    live servers): uvloop and plain autobahn logs. Call it before `daphne.server` is imported."""
    use_uvloop()
    plain_autobahn_logs()


if __name__ == "__main__":
    prepare_process()
    from daphne.cli import CommandLineInterface

    CommandLineInterface.entrypoint()
