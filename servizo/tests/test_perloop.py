"""servizo.perloop: one object per event loop and key; a forked child makes its own."""

import asyncio
import os

from servizo import perloop
from servizo.perloop import PerLoop


def test_one_object_per_running_loop_and_key():
    per_loop = PerLoop(lambda key: [key])

    async def scenario():
        return per_loop.get("a"), per_loop.get("a"), per_loop.get("b")

    first_a, again_a, b = asyncio.run(scenario())
    other_loops_a, _, _ = asyncio.run(scenario())
    assert first_a is again_a and b == ["b"] and other_loops_a is not first_a


def test_a_forked_child_holds_on_to_its_parents_objects_without_using_them():
    """Dropped in the child, a parent's connection could be garbage-collected there and closed (a MariaDB
    connection sends QUIT on the socket both processes share)."""
    per_loop = PerLoop(lambda key: object())

    async def scenario():
        parents = per_loop.get("k")
        child = os.fork()
        if child == 0:
            code = 1
            try:
                held = [made.get("k") for loops in perloop._inherited for made in loops.values()]
                code = 0 if not per_loop.loops and parents in held else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        return os.waitstatus_to_exitcode(status), per_loop.get("k") is parents

    assert asyncio.run(scenario()) == (0, True)
