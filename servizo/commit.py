"""`after_commit`: the one way to queue a side effect (push, email delivery, notice) for after the commit.

Robust: a failing side effect is logged and never turns a committed change into an error. Django
logs a failed robust callback by its `__qualname__`, which a `functools.partial` does not have: the
logging itself then raised, after the commit (a 500 for a change that was made). Every callback goes
through here, so each has a name.
"""

from collections.abc import Callable
from functools import partial

from django.db import transaction


def after_commit(func: Callable[..., object], /, *args, **kwargs) -> None:
    """Run `func(*args, **kwargs)` once the current transaction commits (at once outside one); failures are logged."""
    target = func.func if isinstance(func, partial) else func

    def callback() -> None:
        func(*args, **kwargs)

    callback.__qualname__ = getattr(target, "__qualname__", repr(target))
    transaction.on_commit(callback, robust=True)
