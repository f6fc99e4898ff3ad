"""servizo.loopdb: transactions awaited on the event loop, committed or rolled back, on connections that heal."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, connection

from accounts.models import User
from accounts.tests.factories import CustomerFactory
from servizo import loopdb

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the loop's connections see only what is committed
    pytest.mark.skipif("connection.vendor != 'mysql'", reason="MariaDB only (loopdb.available)"),
]
TABLE = User._meta.db_table


def run(scenario):
    """Run `scenario()` on a new event loop (so on a pool of its own)."""
    return async_to_sync(scenario)()


async def full_name(db, user) -> str:
    (row,) = await db.fetch(f"SELECT full_name FROM {TABLE} WHERE id = %s", [user.pk])
    return row[0]


def rename(user, name: str) -> str:
    return f"UPDATE {TABLE} SET full_name = '{name}' WHERE id = {user.pk}"


async def connection_id(db) -> int:
    (row,) = await db.fetch("SELECT CONNECTION_ID()")
    return row[0]


def kill(thread_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("KILL %s", [thread_id])


async def lend_and_kill() -> int:
    """Lend a connection for a transaction, then kill it (the database restarted, or its idle timeout closed it)
    while it waits in the pool; its id."""
    async with loopdb.transaction() as db:
        lent = await connection_id(db)
    kill(lent)
    return lent


def test_a_transaction_commits_when_its_block_ends_and_the_connection_is_lent_again():
    user = CustomerFactory(full_name="Ann")

    async def scenario():
        async with loopdb.transaction() as db:
            changed = await db.execute(rename(user, "Bea"), None)
            first = await connection_id(db)
        async with loopdb.transaction() as db:
            return changed, await full_name(db, user), first == await connection_id(db)

    assert run(scenario) == (1, "Bea", True)
    user.refresh_from_db()
    assert user.full_name == "Bea"


def test_a_connection_stays_open_from_transaction_to_transaction_while_the_loop_runs_in_between():
    async def scenario():
        ids = set()
        for _ in range(5):
            async with loopdb.transaction() as db:
                ids.add(await connection_id(db))
                await db.execute("DO 1")
            for _ in range(3):  # the loop polls again: its socket's last report must not read as the server closing
                await asyncio.sleep(0)
        return len(ids)

    assert run(scenario) == 1


def test_a_block_that_raises_rolls_back_and_keeps_its_connection():
    user = CustomerFactory(full_name="Ann")

    async def scenario():
        with pytest.raises(ValueError):
            async with loopdb.transaction() as db:
                await db.execute(rename(user, "Bea"))
                first = await connection_id(db)
                raise ValueError("refused")
        async with loopdb.transaction() as db:
            return await full_name(db, user), first == await connection_id(db)

    assert run(scenario) == ("Ann", True)


def test_a_failing_statement_raises_djangos_error_rolls_back_and_its_connection_is_replaced():
    user = CustomerFactory(full_name="Ann")

    async def scenario():
        with pytest.raises(DatabaseError) as failure:
            async with loopdb.transaction() as db:
                await db.execute(rename(user, "Bea"))
                first = await connection_id(db)
                await db.execute(f"UPDATE {TABLE} SET no_such_column = 1")
        async with loopdb.transaction() as db:
            return type(failure.value).__module__, await full_name(db, user), first == await connection_id(db)

    assert run(scenario) == ("django.db.utils", "Ann", False)  # Django's error class, as from a cursor


def test_an_idle_connection_that_died_is_replaced_before_it_is_lent(monkeypatch):
    user = CustomerFactory(full_name="Ann")
    monkeypatch.setattr(loopdb, "IDLE_CHECK_SECONDS", 0)

    async def scenario():
        first = await lend_and_kill()
        async with loopdb.transaction() as db:
            return await full_name(db, user), first == await connection_id(db)

    assert run(scenario) == ("Ann", False)


def test_a_connection_the_server_closes_while_idle_is_dropped_at_once_not_lent_again():
    user = CustomerFactory(full_name="Ann")

    async def scenario():
        first = await lend_and_kill()
        for _ in range(100):  # the loop hears the socket close (under the idle check's interval: no round trip)
            await asyncio.sleep(0.01)
            if not loopdb._pools.get(loopdb.DEFAULT_DB_ALIAS).idle[0].raw.open:
                break
        async with loopdb.transaction() as db:
            return await full_name(db, user), first == await connection_id(db)

    assert run(scenario) == ("Ann", False)


def test_a_connection_that_dies_in_use_fails_that_transaction_only():
    user = CustomerFactory(full_name="Ann")

    async def scenario():
        await lend_and_kill()
        with pytest.raises(DatabaseError):  # not checked: it was lent straight back (idle under a second)
            async with loopdb.transaction() as db:
                await db.execute(rename(user, "Bea"))
        async with loopdb.transaction() as db:
            return await full_name(db, user)

    assert run(scenario) == "Ann"


def test_the_loop_runs_other_work_while_a_statement_waits_on_the_database():
    ticks = []

    async def ticking():
        while True:
            ticks.append(1)
            await asyncio.sleep(0.01)

    async def scenario():
        ticker = asyncio.create_task(ticking())
        async with loopdb.transaction() as db:
            await db.fetch("SELECT SLEEP(0.3)")
        ticker.cancel()

    run(scenario)
    assert len(ticks) >= 10  # a blocking read would have let it tick once


def test_a_statement_abandoned_by_a_cancelled_task_closes_its_connection_and_commits_nothing():
    user = CustomerFactory(full_name="Ann")

    async def scenario():
        ids = []

        async def slow_write():
            async with loopdb.transaction() as db:
                ids.append(await connection_id(db))
                await db.execute(rename(user, "Bea"))
                await db.fetch("SELECT SLEEP(2)")  # its reply never read: the connection is out of step

        task = asyncio.create_task(slow_write())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with loopdb.transaction() as db:
            return await full_name(db, user), ids[0] == await connection_id(db)

    assert run(scenario) == ("Ann", False)


def test_at_most_pool_size_transactions_run_at_once(monkeypatch):
    monkeypatch.setattr(loopdb, "POOL_SIZE", 2)
    running, most = 0, 0

    async def one():
        nonlocal running, most
        async with loopdb.transaction() as db:
            running += 1
            most = max(most, running)
            await db.fetch("SELECT SLEEP(0.05)")
            running -= 1

    async def scenario():
        await asyncio.gather(*(one() for _ in range(5)))

    run(scenario)
    assert most == 2


def test_parameters_are_quoted_as_mysqldb_quotes_them_and_once_for_several_statements():
    user = CustomerFactory(full_name="Ann")
    name = 'O\'Brien \\ "Bob"; DROP TABLE x --'

    async def scenario():
        async with loopdb.transaction() as db:
            quoted = db.quote({"name": name, "id": user.pk})
            await db.execute(f"UPDATE {TABLE} SET full_name = %(name)s WHERE id = %(id)s", quoted)
            return await db.fetch(f"SELECT id FROM {TABLE} WHERE full_name = %s", [name])

    assert run(scenario) == ((user.pk,),)
    user.refresh_from_db()
    assert user.full_name == name


def test_ids_booleans_and_none_are_spelt_as_mysqldb_spells_them():
    values = [0, -7, 2**63 - 1, True, False, None, 1.5, "x"]

    async def scenario():
        async with loopdb.transaction() as db:
            return db.quote({str(n): value for n, value in enumerate(values)}), [db.raw.literal(v) for v in values]

    quoted, by_mysqldb = run(scenario)
    assert list(quoted.values()) == by_mysqldb
