"""psycopg's own C parser for ``timestamptz`` values, on connections that run in UTC.

Django 5.2 registers on every PostgreSQL connection a ``timestamptz`` loader of its own: a
subclass of psycopg's *Python* loader, so that it can attach its time zone to each value.
It parses with a regular expression, about 5 µs a value: a thousand Open311 rows of three
dates spend 16 ms there against 0.9 ms in psycopg's C loader (``bench/api.py``'s uncached
feed; measured on this machine, see docs/architecture.md). When the connection's time zone
is UTC, which is Django's with ``USE_TZ`` and no ``TIME_ZONE`` of the database, the C loader
already returns the same values, aware and in ``datetime.timezone.utc``: the loader below is
Django's in name and psycopg's in work.
Elsewhere (another zone, or psycopg without its C extension) Django's loader stays.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.backends.signals import connection_created


def _c_loader_class() -> Any:
    import psycopg
    from psycopg.postgres import types

    loader = psycopg.adapters.get_loader(types["timestamptz"].oid, psycopg.pq.Format.TEXT)
    # The pure-Python psycopg's loader is Django's base: nothing to gain.
    if loader is None or loader.__module__.startswith("psycopg."):
        return None
    return loader


def _utc_loader() -> Any:
    """Django's loader class in name (Django checks its ``timezone`` on every cursor), whose
    ``load`` is the C loader's."""
    c_loader = _c_loader_class()
    if c_loader is None:
        return None
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class UTCLoader(BaseTzLoader):
        timezone = dt.UTC

        def __init__(self, oid: int, context: Any = None):
            super().__init__(oid, context)
            # psycopg calls ``loader.load`` for each value: the C loader's own method.
            self.load = c_loader(oid, context).load

    return UTCLoader


def use_c_timestamptz_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "postgresql" or connection.timezone_name != "UTC":
        return
    loader = _utc_loader()
    if loader is not None:
        connection.connection.adapters.register_loader("timestamptz", loader)


def connect_signals() -> None:
    connection_created.connect(use_c_timestamptz_loader, dispatch_uid="victo-c-timestamptz")
