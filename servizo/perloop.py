"""`PerLoop`: objects made once per running event loop and key, such as the connections an event loop awaits on.

An asyncio transport belongs to the loop that made it, so connections are kept per loop (a daphne process has
one; a test that runs async code may make a loop per call, and its objects go with it). A forked child (the
test suite's live servers) starts with none and holds on to its parent's without using them: it shares their
sockets, and garbage-collected there a MariaDB connection would send QUIT on the parent's.
"""

import asyncio
import os
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")

_every: list["PerLoop"] = []
_inherited: list = []  # what forked children hold on to, never to be used or closed there


class PerLoop(Generic[T]):
    def __init__(self, make: Callable[[Hashable], T]) -> None:
        self.make = make
        self.loops: WeakKeyDictionary = WeakKeyDictionary()  # event loop -> {key: object}
        _every.append(self)

    def get(self, key: Hashable) -> T:
        """The running loop's object for `key`, made on first use."""
        made = self.loops.setdefault(asyncio.get_running_loop(), {})
        if key not in made:
            made[key] = self.make(key)
        return made[key]


def _forget_after_fork() -> None:
    for per_loop in _every:
        _inherited.append(dict(per_loop.loops))
        per_loop.loops.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
