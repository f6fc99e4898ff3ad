"""Counts a page can afford: each reads at most `cap` rows, and several run as one query.

A dashboard card needs "how many, or that there are many": `SELECT COUNT(*) FROM (... LIMIT cap)` walks
at most `cap` index entries however large the table grows. A value equal to `cap` means "cap or more".
"""

from django.db import connections
from django.db.models import QuerySet


def capped_counts(querysets: dict[str, QuerySet], *, cap: int) -> dict[str, int]:
    """Each queryset's row count up to `cap`, by name, in one SELECT of capped subqueries."""
    parts, params, using = [], [], None
    for queryset in querysets.values():
        using = using or queryset.db
        sql, sql_params = queryset.order_by().values("pk")[:cap].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) capped)")
        params.extend(sql_params)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        counts = cursor.fetchone()
    return dict(zip(querysets, counts, strict=True))
