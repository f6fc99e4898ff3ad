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
    """Stop autobahn colouring its debug-log arguments with click on every frame sent and received.

    It builds them (`autobahn.util.hl`: click.style per value) before the logger drops the debug line, a
    sixth of a chat message's event-loop calls (bench/chat_latency.py); without click, as when click is
    not installed (Celery brings it), autobahn passes the text as it is.
    """
    import autobahn.util

    autobahn.util._HAS_CLICK = False


if __name__ == "__main__":
    use_uvloop()
    import autobahn.util

    autobahn.util._HAS_CLICK = False
    from daphne.cli import CommandLineInterface

    CommandLineInterface.entrypoint()
