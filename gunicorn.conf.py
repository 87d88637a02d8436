"""gunicorn's settings for the `web` process (Procfile), read from the environment.

What bounds a slow or hostile client (issue 17.3, docs/operations.md "Slow and hostile
clients"): requests are read without a thread (victo_crm.web_worker), request lines and
headers are size-limited, a request's SQL statements stop after VICTO_DB_STATEMENT_TIMEOUT_MS,
and a worker that stops reporting is replaced after `timeout` seconds.
"""

import os

# All interfaces, as before: the proxy or load balancer in front reaches it.
bind = f"{os.environ.get('WEB_BIND', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Two threads: a thread waiting on PostgreSQL lets the other one run; more only wait for the
# GIL (bench/api.py, runs alternated: p99 of submit 175-257 ms with 2, 294-323 ms with 4, the
# same calls per second; docs/api.md). Slow clients take no thread (web_worker).
threads = int(os.environ.get("WEB_THREADS", "2"))
worker_class = "victo_crm.web_worker.BufferingThreadWorker"
# Connections a worker holds at once (being read, in a thread or kept alive); more wait in
# the listen backlog.
worker_connections = int(os.environ.get("WEB_WORKER_CONNECTIONS", "200"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Each web process stops any SQL statement after this long (settings read it); the worker,
# beat and manage.py have no limit unless their environment sets one.
os.environ.setdefault("VICTO_DB_STATEMENT_TIMEOUT_MS", "30000")
# No access log unless WEB_ACCESS_LOG names a file ("-": standard output): the reverse proxy
# in front logs every request, and a line per call costs the web its CPU (bench/api.py).
# Django logs what fails (4xx, 5xx) with the request id.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None

# Prometheus counters from every process (victo_crm.core.metrics): each worker writes its counts
# to files in this directory and /metrics adds them up. The Procfile's Celery worker uses the
# same default directory, so one scrape of the web sees the deliveries too.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(os.environ.get("VICTO_VAR_DIR", "var"), "metrics")
)
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
