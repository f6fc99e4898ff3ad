"""A small MariaDB EXPLAIN check for the payments page tests (servizo/testing/explain.py may replace it)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def plan_problems(sql: str, *, large_tables: set[str]) -> list[str]:
    """Filesort, temporary table, or a full (table or index) scan of one of `large_tables` in a SELECT's plan."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        columns = [column[0] for column in cursor.description]
        steps = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    problems = []
    for step in steps:
        extra = step["Extra"] or ""
        where = f"{step['table']} ({step['type']}, key {step['key']}, {extra}) in {sql[:300]}"
        if "filesort" in extra or "temporary" in extra:
            problems.append(f"sorts: {where}")
        if step["type"] in ("ALL", "index") and step["table"] in large_tables:  # whole table or whole index
            problems.append(f"full scan: {where}")
    return problems


def selects_of(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
