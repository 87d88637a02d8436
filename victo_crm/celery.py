import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victo_crm.settings.base")

app = Celery("victo_crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
