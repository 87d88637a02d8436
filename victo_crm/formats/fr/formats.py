"""Django's own French formats, the hour written the Québec way as core.typography writes it
("14 h 05", no-break spaces): whatever Django renders itself (``|time``, ``|date``, a
datetime in the admin or in django-allauth's e-mails) says the hour as our pages do. Only
what differs from Django's French is here; the rest falls through to it."""

TIME_FORMAT = "G\u00a0\\h\u00a0i"
DATETIME_FORMAT = "j F Y, G\u00a0\\h\u00a0i"
SHORT_DATETIME_FORMAT = "d/m/Y G\u00a0\\h\u00a0i"
