"""A straightforward Django REST framework app, the issue's second yardstick for bench/api.py.

The issue compares our API with "a straightforward DRF view with token auth doing the same
three inserts" (about 560 submits/s and 750 lists/s on its machine). This package is that
app, so the comparison is measured on the machine of the day instead of quoted: Django's
default middleware, DRF's ``TokenAuthentication``, ``IsAuthenticated``, a ``ModelSerializer``,
``CursorPagination``; a submission inserts a ticket, its event and an outbox row in one
transaction; its database (``victo_drf_reference``) holds a million tickets. Nothing of
victo_crm is imported: no configuration cache, no idempotency, no validation against a
request type, no zones, no SLA, no workflow, no notifications.

    DJANGO_SETTINGS_MODULE=bench.drf_reference.settings python -m bench.drf_reference.prepare

creates and fills the database when needed and prints the token and a ticket's reference as
JSON; bench/api.py does that and then serves ``bench.drf_reference.wsgi:application``.
"""
