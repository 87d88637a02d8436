"""Realistic load data, fast: up to millions of requests for benchmarks and rehearsals.

What is written is history that already happened: requests that went through their
workflow, the events a real desk would have left, and the citizens who filed them. It
bypasses the service layer on purpose (one ``service_request_submit`` per request would
take hours for a million), so it keeps by itself what the services guarantee:

- references follow each year's sequence: the numbers are reserved *before* anything is
  written (``nextval`` on PostgreSQL, ``ReferenceCounter`` elsewhere), so a request
  submitted during or after the load never collides with a generated one;
- every state change is a transition of the type's workflow, and the SLA clock, the
  closing date and the first response move the way ``service_request_transition`` moves
  them;
- field values are valid for their type (``validate_field_values`` accepts each of them);
- no outbox row is written: this history was delivered long ago.

On PostgreSQL rows are built in worker processes and written with COPY, one transaction
per chunk of requests (a failed run leaves whole chunks, never half a request). Elsewhere
(SQLite, for the tests) the same rows are inserted in batches, in one transaction.
"""

from __future__ import annotations

from .common import DEFAULT_YEARS, LoadDataError, LoadReport
from .run import default_workers, generate_load_data

__all__ = ["DEFAULT_YEARS", "LoadDataError", "LoadReport", "default_workers", "generate_load_data"]
