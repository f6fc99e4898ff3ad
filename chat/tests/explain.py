"""A small EXPLAIN check for MariaDB (a shared helper in servizo/testing replaces it later)."""

from django.db import connection
from django.db.models import QuerySet

BAD_EXTRA = ("Using filesort", "Using temporary")


def plan_sql(sql: str, params=()) -> list[dict]:
    """MariaDB's EXPLAIN rows for a statement, as dicts (table, type, key, rows, Extra, ...)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def assert_indexed_sql(sql: str, params=(), *, large_tables: set[str]) -> list[dict]:
    """Fail on a full scan of a large table, or a filesort / temporary table, in the statement's plan."""
    rows = plan_sql(sql, params)
    for row in rows:
        assert not (row["table"] in large_tables and row["type"] in ("ALL", "index")), rows
        assert not any(bad in (row.get("Extra") or "") for bad in BAD_EXTRA), rows
    return rows


def assert_indexed(queryset: QuerySet, *, large_tables: set[str]) -> list[dict]:
    """`assert_indexed_sql` for a queryset."""
    sql, params = queryset.query.sql_with_params()
    return assert_indexed_sql(sql, params, large_tables=large_tables)
