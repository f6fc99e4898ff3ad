"""One pattern for every status field: a table of allowed moves and one `transition()` that applies it.

In the spirit of django-oscar's `Order.set_status`. Each app declares a `StatusMachine` next to its
service (bookings, offers, accounts' provider profiles, payments' Payment/Transfer/Settlement):

- `moves`: (from, to) -> the roles that may make the move (`ANYONE` when the table does not care who).
- `timestamps`: to-status -> a datetime field set to now on entering it.
- `event_model`/`event_fk`/`event_note_field`: the event log row (who, from, to, when, note) written
  with every move, for models that have one.
- `refusal(obj, to_status)`: the message of the TransitionNotAllowed raised for a move not in the table.

`transition()` must run inside `transaction.atomic()` on a row the caller has locked (see
`bookings.locks` for the lock order). It checks the move (nothing is written when refused), writes the
status and timestamp fields, records the event row, runs the hooks other apps registered for the
to-status (inside the transaction, with the row still locked; how cross-app work joins a move) and
queues the caller's `on_commit` side effects, which run only once the transaction commits.

Payment, Transfer and Settlement have no event table: their record is their own row (`updated_at`,
`paid_at`, `error`, the Stripe ids) plus the append-only ledger, which holds every money movement with
its Stripe id; the booking's timeline notes the staff decisions. A second log of the same facts would
only drift from them.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from servizo.commit import after_commit
from servizo.exceptions import TransitionNotAllowed

ANYONE = "anyone"  # a role in `moves` for tables where who moves is checked elsewhere (or not at all)

Hook = Callable[[Any, Any], None]  # hook(obj, event) — event is None for machines without an event log


@dataclass(frozen=True, kw_only=True)
class StatusMachine:
    moves: Mapping[tuple[str, str], frozenset[str]]
    refusal: Callable[[Any, str], str]
    status_field: str = "status"
    timestamps: Mapping[str, str] = field(default_factory=dict)
    event_model: type[models.Model] | None = None
    event_fk: str = ""
    event_note_field: str = "note"
    _hooks: dict[str, list[Hook]] = field(default_factory=lambda: defaultdict(list), compare=False, repr=False)

    def register_hook(self, to_status: str, hook: Hook) -> None:
        """Run `hook(obj, event)` inside the transaction whenever an object enters `to_status`."""
        if hook not in self._hooks[to_status]:
            self._hooks[to_status].append(hook)

    def run_hooks(self, obj: Any, to_status: str, event: Any) -> None:
        for hook in self._hooks[to_status]:
            hook(obj, event)

    def targets(self, from_status: str, role: str | None = ANYONE) -> list[str]:
        """The statuses `role` may move an object in `from_status` to, in table order."""
        return [to for (frm, to), roles in self.moves.items() if frm == from_status and _allows(roles, role)]

    def allows(self, from_status: str, to_status: str, role: str | None = ANYONE) -> bool:
        return _allows(self.moves.get((from_status, to_status), frozenset()), role)

    def check(self, obj: Any, to_status: str, *, role: str | None = ANYONE) -> None:
        """Raise TransitionNotAllowed (with the machine's message) unless the table allows the move."""
        if not self.allows(getattr(obj, self.status_field), to_status, role):
            raise TransitionNotAllowed(self.refusal(obj, to_status))

    def record_event(self, obj: Any, *, actor: Any, from_status: str, to_status: str, note: str = "") -> Any:
        """Write the event row (None without an event log); also for an object's first status."""
        if self.event_model is None:
            return None
        return self.event_model.objects.create(
            **{self.event_fk: obj, "actor": actor, "from_status": from_status, "to_status": to_status},
            **{self.event_note_field: note},
        )


def _allows(roles: frozenset[str], role: str | None) -> bool:
    return ANYONE in roles or (role is not None and role in roles)


def transition(
    machine: StatusMachine,
    obj: models.Model,
    *,
    to_status: str,
    actor: Any = None,
    role: str | None = ANYONE,
    note: str = "",
    fields: Mapping[str, Any] | None = None,
    on_commit: Iterable[Callable[[], None]] = (),
) -> Any:
    """Move the locked `obj` to `to_status`; returns the event row (None without an event log).

    `fields` are other columns written in the same UPDATE (a failure message, a Stripe id).
    Raises TransitionNotAllowed, writing nothing, for a move the table does not allow to `role`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside transaction.atomic() on a locked row.")
    machine.check(obj, to_status, role=role)
    from_status = getattr(obj, machine.status_field)
    values = {machine.status_field: to_status, **(fields or {})}
    if to_status in machine.timestamps:
        values[machine.timestamps[to_status]] = timezone.now()
    for name, value in values.items():
        setattr(obj, name, value)
    update_fields = list(values)
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        update_fields.append("updated_at")
    obj.save(update_fields=update_fields)
    event = machine.record_event(obj, actor=actor, from_status=from_status, to_status=to_status, note=note)
    machine.run_hooks(obj, to_status, event)
    for callback in on_commit:
        after_commit(callback)
    return event
