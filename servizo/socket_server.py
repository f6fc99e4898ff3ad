"""daphne on uvloop: `python -m servizo.socket_server [daphne's arguments]` (deploy/, prod-local, the chat bench).

daphne runs Twisted's asyncio reactor on a loop it makes when `daphne.server` is first imported; with
uvloop's policy set before that, the loop is uvloop's (libuv, in C) instead of asyncio's selector loop
(in Python), which runs every socket frame, pub/sub receipt and thread hand-off of the chat. Everything
else is daphne as it is (same arguments, same ASGI application), but for autobahn's debug-log colours.
"""

import asyncio

import uvloop


def use_uvloop() -> None:
    """Make the loops asyncio creates from now on uvloop's (call before daphne.server is imported)."""
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def plain_autobahn_logs() -> None:
    """Stop autobahn dressing up its debug-log arguments on every frame sent and received.

    It builds them (`hltype`, `hlval`: a qualified name from `inspect`, then click.style per value) before
    the logger drops the debug line: a fifth of a chat message's event-loop calls (bench/chat_latency.py).
    With this a debug log shows the plain values.
    """
    import autobahn.twisted.websocket
    import autobahn.websocket.protocol

    for module in (autobahn.websocket.protocol, autobahn.twisted.websocket):
        module.hltype = module.hlval = str


if __name__ == "__main__":
    use_uvloop()
    import autobahn.util

    autobahn.util._HAS_CLICK = False
    from daphne.cli import CommandLineInterface

    CommandLineInterface.entrypoint()
