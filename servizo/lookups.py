"""Integer lookups that find no row for a number no column can hold, instead of failing.

Django already does this for `exact`, `gt`, `lt`... on integer fields (`IntegerFieldOverflow`), but
not for `in` nor for lookups through a foreign key (`booking=`, `booking__in=`). There SQLite raised
OverflowError, a 500, for a 20-digit id in a form's choices, an admin's selected rows or a filter.
Registered in ServizoConfig.ready(), so every query of every app gets them.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def _bounds(field, connection) -> tuple[int | None, int | None]:
    """The range of the column behind `field` (for a foreign key: the column it points to)."""
    while isinstance(field, ForeignKey):
        field = field.target_field
    try:
        return connection.ops.integer_field_range(field.get_internal_type())
    except KeyError:  # not an integer column
        return None, None


def _fits(value, bounds) -> bool:
    low, high = bounds
    if not isinstance(value, int):
        return True
    return (low is None or value >= low) and (high is None or value <= high)


class _InRangeInMixin:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            bounds = _bounds(self.lhs.output_field, connection)
            self.rhs = [value for value in self.rhs if _fits(value, bounds)]  # none left: EmptyResultSet
        return super().process_rhs(compiler, connection)


class InRangeIn(_InRangeInMixin, In):
    pass


class InRangeRelatedIn(_InRangeInMixin, RelatedIn):
    pass


class InRangeRelatedExact(RelatedExact):
    def process_rhs(self, compiler, connection):
        if not _fits(self.rhs, _bounds(self.lhs.output_field, connection)):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(InRangeIn)
    ForeignKey.register_lookup(InRangeRelatedIn)
    ForeignKey.register_lookup(InRangeRelatedExact)
