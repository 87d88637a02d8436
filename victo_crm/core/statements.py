"""The ORM's statements for the hottest reads, compiled once per process.

Building a queryset and compiling it to SQL costs Django more CPU than PostgreSQL spends
running a primary-key lookup: for the signed-in user (with two ``EXISTS`` subqueries) about
a millisecond on every authenticated call. ``Prepared`` asks the ORM for a query's SQL once
per *shape* (the number of values of each ``__in`` list) and then runs that SQL with each
call's values. The SQL is still the ORM's own: a model change changes it at the next start,
and nothing is written or mirrored by hand.

How the values find their places: the first call of a shape builds the queryset with
placeholder values of the right type (unique integers, strings and datetimes that no real
value equals), compiles it, and notes which parameter each placeholder became. If a
placeholder does not come out unchanged (a backend that adapts datetimes to text, as SQLite
does, or a lookup that wraps the value, as ``contains`` does), that shape is not prepared and
the ORM builds the query every time, as without this module.

Use it for the few statements every call runs, where the saving shows in
``bench/api.py``; everything else builds its querysets as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each parameter of ``sql``: ("value", i, j) the j-th value of argument i (j is None
    # for a single value), or ("constant", value) a value the query itself holds.
    slots: tuple[tuple[Any, ...], ...]


def _placeholder(kind: type, index: int, position: int) -> Any:
    """A value of ``kind`` that no real argument equals, unique per (index, position)."""
    unique = index * 10_000 + position + 1
    if kind is int:
        return -(10**17) - unique
    if kind is float:  # exactly representable, and far outside any coordinate or measure
        return -1e12 - unique - 0.25
    if kind is str:
        return f"\x1fprepared:{unique}\x1f"
    if kind is datetime:
        return datetime(1901, 1, 1, tzinfo=UTC).replace(microsecond=unique % 1_000_000)
    raise TypeError(f"Prepared statements take int, float, str or datetime values, not {kind}")


def _kind(value: Any) -> type:
    for kind in (bool, int, float, str, datetime):
        if isinstance(value, kind):
            if kind is bool:
                break
            return kind
    raise TypeError(
        f"Prepared statements take int, float, str or datetime values, not {type(value)}"
    )


class Prepared:
    """A query the ORM compiles once per shape, run with new values each time.

    ``build`` receives the arguments (a value, or a list of values for an ``__in``) and
    returns the queryset; it must use them only as lookup values. ``rows()`` runs it and
    returns the database's rows (for a ``values_list`` query); ``instances(model)`` returns
    model instances, as ``Model.objects.raw`` builds them (annotations become attributes).
    """

    # A call with more values than this (a notice's chunk of 5,000 people) is built by the
    # ORM as usual: its compilation is small beside its rows, and its SQL would be large.
    MAX_VALUES = 64

    def __init__(self, build: Callable[..., QuerySet[Any]], *, using: str = DEFAULT_DB_ALIAS):
        self.build = build
        self.using = using
        self._shapes: dict[tuple[Any, ...], _Compiled | None] = {}

    def _shape(self, args: Sequence[Any]) -> tuple[Any, ...]:
        shape: list[Any] = []
        for value in args:
            if isinstance(value, list | tuple):
                shape.append((len(value), _kind(value[0]) if value else None))
            else:
                shape.append(_kind(value))
        return tuple(shape)

    def _compile(self, args: Sequence[Any]) -> _Compiled | None:
        placeholders: list[Any] = []
        where: dict[Any, tuple[int, int | None]] = {}
        for index, value in enumerate(args):
            if isinstance(value, list | tuple):
                items = [
                    _placeholder(_kind(item), index, position)
                    for position, item in enumerate(value)
                ]
                where.update((item, (index, position)) for position, item in enumerate(items))
                placeholders.append(items)
            else:
                item = _placeholder(_kind(value), index, 0)
                where[item] = (index, None)
                placeholders.append(item)
        queryset = self.build(*placeholders)
        try:
            sql, params = queryset.query.get_compiler(using=self.using).as_sql()
        except EmptyResultSet:  # an empty __in: nothing to prepare, the ORM answers []
            return None
        slots: list[tuple[Any, ...]] = []
        found = set()
        for param in params:
            spot: tuple[int, int | None] | None = (
                where.get(param)
                if isinstance(param, int | float | str | datetime) and not isinstance(param, bool)
                else None
            )
            if spot is None:
                slots.append(("constant", param))
            else:
                slots.append(("value", *spot))
                found.add(spot)
        if found != set(where.values()):
            return None  # a placeholder was adapted or wrapped: let the ORM do it each time
        return _Compiled(sql=sql, slots=tuple(slots))

    def _statement(self, args: Sequence[Any]) -> tuple[str, list[Any]] | None:
        values = sum(len(arg) if isinstance(arg, list | tuple) else 1 for arg in args)
        if values > self.MAX_VALUES:
            return None
        shape = (connections[self.using].vendor, *self._shape(args))
        if shape in self._shapes:
            compiled = self._shapes[shape]
        else:
            compiled = self._compile(args)
            if len(self._shapes) < 256:  # shapes are few (list lengths); never grow unbounded
                self._shapes[shape] = compiled
        if compiled is None:
            return None
        params = [
            slot[1]
            if slot[0] == "constant"
            else (args[slot[1]] if slot[2] is None else args[slot[1]][slot[2]])
            for slot in compiled.slots
        ]
        return compiled.sql, params

    def rows(self, *args: Any) -> list[tuple[Any, ...]]:
        statement = self._statement(args)
        if statement is None:
            return list(self.build(*args))
        with connections[self.using].cursor() as cursor:
            cursor.execute(*statement)
            return cursor.fetchall()

    def instances(self, model: type[Model], *args: Any) -> list[Any]:
        statement = self._statement(args)
        if statement is None:
            return list(self.build(*args))
        return list(model._default_manager.db_manager(self.using).raw(*statement))


def shapes(prepared: Prepared) -> int:
    """How many shapes ``prepared`` holds compiled (for tests)."""
    return sum(1 for compiled in prepared._shapes.values() if compiled is not None)
