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

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each parameter of ``sql``: ("value", i, j) the j-th value of argument i (j is None
    # for a single value), or ("constant", value) a value the query itself holds.
    slots: tuple[tuple[Any, ...], ...]
    # The ORM's compiler of the query (its columns, converters and ``select_related``
    # layout), for ``objects()``; it is only read after compilation.
    compiler: Any = None
    # Its converters by column, as ``results_iter`` asks the compiler for on every call
    # (a tenth of a "my requests" call went there); None when a column is a composite key.
    converters: Any = None

    def converted(self, rows: list[Any]) -> Any:
        """``rows`` as the ORM's ``results_iter`` gives them (converted, as lists)."""
        if self.converters is None:
            return self.compiler.results_iter([rows])
        if not self.converters:
            return rows
        return self.compiler.apply_converters(rows, self.converters)


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
    returns the database's rows (for a ``values_list`` query), ``dicts()`` the rows of a
    ``values()`` query, ``objects()`` the model instances the queryset gives.
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
        compiler = queryset.query.get_compiler(using=self.using)
        try:
            sql, params = compiler.as_sql()
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
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = (
            None if compiler.has_composite_fields(columns) else compiler.get_converters(columns)
        )
        return _Compiled(sql=sql, slots=tuple(slots), compiler=compiler, converters=converters)

    def _statement(self, args: Sequence[Any]) -> tuple[str, list[Any], _Compiled] | None:
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
        return compiled.sql, params, compiled

    def _fetch(self, args: Sequence[Any]) -> tuple[list[Any], _Compiled] | None:
        """The database's rows for ``args`` and the statement's compilation; None when the
        shape is not prepared (the caller asks the ORM)."""
        statement = self._statement(args)
        if statement is None:
            return None
        sql, params, compiled = statement
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall(), compiled

    def rows(self, *args: Any) -> list[tuple[Any, ...]]:
        fetched = self._fetch(args)
        return list(self.build(*args)) if fetched is None else fetched[0]

    def dicts(self, *args: Any) -> list[dict[str, Any]]:
        """The rows of a ``values()`` queryset, as it gives them (converted by the ORM)."""
        fetched = self._fetch(args)
        if fetched is None:
            return list(self.build(*args))
        rows, compiled = fetched
        query = compiled.compiler.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        return [dict(zip(names, row, strict=True)) for row in compiled.converted(rows)]

    def objects(self, *args: Any) -> list[Any]:
        """The model instances the queryset gives, its ``select_related`` objects included:
        the rows go through the ORM's own converters and populators (what
        ``ModelIterable`` does with them), only the compilation is skipped."""
        fetched = self._fetch(args)
        if fetched is None:
            return list(self.build(*args))
        rows, compiled = fetched
        compiler = compiled.compiler
        info = compiler.klass_info
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in compiler.select[start:end]]
        populators = get_related_populators(info, compiler.select, self.using)
        found = []
        for row in compiled.converted(rows):
            obj = info["model"].from_db(self.using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in compiler.annotation_col_map.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found


class PreparedQuery:
    """The rows of a ``values()`` query as a paginator asks for them, each shape compiled once.

    DRF's ``CursorPagination`` does three things to the queryset it is given: it orders it, it
    filters it by the cursor's position (one lookup) and it slices it. This object takes those
    three, and its rows come from a ``Prepared`` statement keyed by them: ``build(*args)`` is
    the queryset before paging. The position is made the value the ORM would bind (the model
    field's ``get_prep_value``), so a page is the ORM's page.
    """

    # (build, ordering, lookup, window) → its statement; a handful in practice.
    _statements: dict[tuple[Any, ...], Prepared] = {}

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        model: type[Model],
        *args: Any,
        ordering: tuple[str, ...] = (),
        position: tuple[str, Any] | None = None,
        window: tuple[int | None, int | None] = (None, None),
    ) -> None:
        self.build, self.model, self.args = build, model, args
        self.ordering, self.position, self.window = ordering, position, window

    def _with(self, **change: Any) -> PreparedQuery:
        state = {"ordering": self.ordering, "position": self.position, "window": self.window}
        return PreparedQuery(self.build, self.model, *self.args, **{**state, **change})

    def order_by(self, *ordering: str) -> PreparedQuery:
        return self._with(ordering=ordering)

    def filter(self, **lookup: Any) -> PreparedQuery:
        [(name, value)] = lookup.items()
        field: Any = self.model._meta.get_field(name.split("__")[0])
        return self._with(position=(name, field.get_prep_value(value)))

    def __getitem__(self, window: slice) -> PreparedQuery:
        return self._with(window=(window.start, window.stop))

    def __iter__(self) -> Any:
        name = self.position[0] if self.position else None
        key = (self.build, self.ordering, name, self.window)
        prepared = self._statements.get(key)
        if prepared is None:
            prepared = Prepared(functools.partial(_page, self.build, len(self.args), *key[1:]))
            if len(self._statements) < 256:
                self._statements[key] = prepared
        values = (*self.args, self.position[1]) if self.position else self.args
        return iter(prepared.dicts(*values))


def _page(
    build: Callable[..., QuerySet[Any]],
    count: int,
    ordering: tuple[str, ...],
    lookup: str | None,
    window: tuple[int | None, int | None],
    *values: Any,
) -> QuerySet[Any]:
    queryset = build(*values[:count])
    if ordering:
        queryset = queryset.order_by(*ordering)
    if lookup is not None:
        queryset = queryset.filter(**{lookup: values[count]})
    return queryset[window[0] : window[1]]


def shapes(prepared: Prepared) -> int:
    """How many shapes ``prepared`` holds compiled (for tests)."""
    return sum(1 for compiled in prepared._shapes.values() if compiled is not None)
