"""Query plans of a page's queries on MariaDB, and what in them would grow with the tables.

`index_problems()` reads the plain EXPLAIN of one statement: a filesort, a temporary table, or a full
(table or index) scan of one of the named large tables.

`bad_plans()` captures every SELECT a block runs (a whole page request, say), runs each again under
MariaDB's `ANALYZE` (EXPLAIN plus the rows each step actually read, `r_rows`) and lists the
problems: a step that read more than `max_rows` rows, a full table scan (`type: ALL`) of a table
estimated larger than that, or a filesort / temporary table fed (or estimated to be fed: under a LIMIT,
`r_rows` counts only the rows the sort kept) more than that. On large data a page
that reads only its own rows passes; a page whose cost follows the table does not.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

MAX_ROWS = 200  # a page shows 20-25 rows; anything reading 10x that is walking the table


def plan_rows(sql: str, params=()) -> list[dict]:
    """MariaDB's EXPLAIN rows for a statement, as dicts (table, type, key, rows, Extra, ...)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def index_problems(sql: str, params=(), *, large_tables: set[str]) -> list[str]:
    """Filesort, temporary table, or a full (table or index) scan of one of `large_tables` in a statement's plan."""
    problems = []
    for step in plan_rows(sql, params):
        extra = step["Extra"] or ""
        where = f"{step['table']} ({step['type']}, key {step['key']}, {extra}) in {sql[:300]}"
        if "filesort" in extra or "temporary" in extra:
            problems.append(f"sorts: {where}")
        if step["type"] in ("ALL", "index") and step["table"] in large_tables:  # whole table or whole index
            problems.append(f"full scan: {where}")
    return problems


def selects_of(captured: CaptureQueriesContext) -> list[str]:
    """The SELECT statements (UNIONs of them included) a CaptureQueriesContext saw."""
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip(" (").upper().startswith("SELECT")]


def _number(value) -> float:
    """A rows column: a number, NULL, or with the LIMIT's share appended ("21.00 (100%)")."""
    return float(str(value or 0).split()[0])


def plan_problems(sql: str, *, max_rows: int = MAX_ROWS) -> list[str]:
    """What in the plan of this (fully interpolated) SELECT reads more than `max_rows` rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {sql}")
        columns = [column[0] for column in cursor.description]
        steps = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    problems = []
    for step in steps:
        estimated, read = _number(step["rows"]), _number(step["r_rows"])
        extra = step["Extra"] or ""
        where = f"{step['table']} ({step['type']}, key {step['key']}, {extra or 'no extra'})"
        sorts = "filesort" in extra or "temporary" in extra
        if step["type"] == "ALL" and max(estimated, read) > max_rows:
            problems.append(f"full scan of {where}, ~{max(estimated, read):.0f} rows")
        elif read > max_rows:
            problems.append(f"{'sorts' if sorts else 'reads'} {read:.0f} rows of {where}")
        elif sorts and estimated > max_rows:  # a sort under LIMIT reports only the rows it kept in r_rows
            problems.append(f"sorts ~{estimated:.0f} rows of {where}")
    where_clause = sql[sql.find(" FROM ") :]
    return [f"{problem}\n    in: SELECT ...{where_clause[:400]}" for problem in problems]


@contextmanager
def bad_plans(*, max_rows: int = MAX_ROWS, known: str | None = None) -> Iterator[list[str]]:
    """Collect the plan problems of every SELECT run inside the block (filled in when it exits).

    `known`: SELECTs starting with it are left out (a page's accepted whole-table read, named in the test).
    """
    problems: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield problems
    for query in captured.captured_queries:
        sql = query["sql"].lstrip()
        # A UNION of parenthesized SELECTs ("(SELECT ...) UNION ALL (SELECT ...)") is checked too.
        if sql.lstrip("(").upper().startswith("SELECT") and not (known and sql.startswith(known)):
            problems.extend(plan_problems(sql, max_rows=max_rows))
