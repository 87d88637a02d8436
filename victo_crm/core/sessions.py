"""Django's database sessions, read with a statement compiled once (core/statements.py).

Every signed-in page and API call reads its session: the same ``SELECT`` as Django's
``db.SessionStore``, without building and compiling the queryset each time. Writing,
expiry and everything else are Django's."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from .statements import Prepared


def _live_session(session_key: str, now: Any) -> QuerySet[Session]:
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)[:1]


LIVE_SESSION = Prepared(_live_session)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        if not isinstance(self.session_key, str):
            self._session_key = None
            return None
        found = LIVE_SESSION.objects(self.session_key, timezone.now())
        if not found:
            self._session_key = None
            return None
        return found[0]
