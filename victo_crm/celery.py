import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victo_crm.settings.base")
# Counters of this process go to files there (core/metrics.py); the worker may start before
# gunicorn has made the directory, or on a machine without gunicorn.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

app = Celery("victo_crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def _serve_metrics(**kwargs: object) -> None:
    """A worker on a machine without a web process serves its own counters (deliveries) on
    VICTO_WORKER_METRICS_PORT, bound to VICTO_WORKER_METRICS_ADDR (127.0.0.1)."""
    port = os.environ.get("VICTO_WORKER_METRICS_PORT")
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not port or not path:
        return
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=path)
    start_http_server(
        int(port), addr=os.environ.get("VICTO_WORKER_METRICS_ADDR", "127.0.0.1"), registry=registry
    )
