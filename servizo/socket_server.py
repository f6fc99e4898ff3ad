"""daphne on uvloop: `python -m servizo.socket_server [daphne's arguments]` (deploy/, prod-local, the chat bench).

daphne runs Twisted's asyncio reactor on a loop it makes when `daphne.server` is first imported; with
uvloop's policy set before that, the loop is uvloop's (libuv, in C) instead of asyncio's selector loop
(in Python), which runs every socket frame, pub/sub receipt and thread hand-off of the chat. Everything
else is daphne as it is: same arguments, same ASGI application.
"""

import asyncio

import uvloop


def use_uvloop() -> None:
    """Make the loops asyncio creates from now on uvloop's (call before daphne.server is imported)."""
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


if __name__ == "__main__":
    use_uvloop()
    from daphne.cli import CommandLineInterface

    CommandLineInterface.entrypoint()
