"""Counts a page can afford: each reads at most `cap` rows, and several run as one query.

A dashboard card needs "how many, or that there are many": `SELECT COUNT(*) FROM (... LIMIT cap)` walks
at most `cap` index entries however large the table grows. A value equal to `cap` means "cap or more".
"""

from django.db import connections
from django.db.models import QuerySet


def capped_counts(querysets: dict[str, QuerySet], *, cap: int) -> dict[str, int]:
    """Each queryset's row count up to `cap`, by name, in one SELECT of capped subqueries (none if all are empty)."""
    counted = {name: queryset for name, queryset in querysets.items() if not queryset.query.is_empty()}
    parts, params = [], []
    for queryset in counted.values():
        sql, sql_params = queryset.order_by().values("pk")[:cap].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) capped)")
        params.extend(sql_params)
    counts = dict.fromkeys(querysets, 0)
    if counted:
        with connections[next(iter(counted.values())).db].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            counts.update(zip(counted, cursor.fetchone(), strict=True))
    return counts
