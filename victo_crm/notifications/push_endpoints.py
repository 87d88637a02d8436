"""Where a push notification may be sent: one check for every face, and a connection that
reaches only public addresses.

A Web Push subscription is a URL that the worker POSTs to. Left unchecked, a caller who
registers ``http://127.0.0.1:8199/…`` (or a name that resolves to an internal address) makes
the worker send requests inside the city's network (server-side request forgery). Two
controls, each sufficient on its own for the common cases:

- ``validate_push_endpoint`` — at registration (portal, API, admin through ``PushDevice.clean``)
  and again before each send, whatever is stored: https, no credentials in the URL, and a host
  in ``VICTO_PUSH_ALLOWED_HOSTS`` (the browsers' push services). An FCM or APNs device holds a
  token, not a URL: only the token's characters are accepted.
- ``public_only_session`` — the HTTP session the Web Push sender uses: every connection (the
  first one and any redirect) resolves the host itself, refuses it if *any* resolved address is
  private, loopback, link-local, reserved or multicast, and connects to the address it checked,
  so a name that answers differently the second time (DNS rebinding) cannot slip through.
  Environment proxies are ignored: the check must see the address it connects to.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

ENDPOINT_MAX_LENGTH = 2000
# FCM registration tokens (letters, digits, - _ :) and APNs device tokens (hexadecimal).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_:.\-]{1,1000}")


class PushAddressRefused(Exception):
    """The push endpoint resolves to an address the worker must never reach. Deliberately not
    an OSError, so neither urllib3 nor requests retries or wraps it."""


def host_is_allowed(host: str, patterns: list[str] | None = None) -> bool:
    """``host`` is one of ``patterns`` (``*.example.com`` allows any subdomain, not the
    apex)."""
    host = host.lower().rstrip(".")
    for pattern in settings.VICTO_PUSH_ALLOWED_HOSTS if patterns is None else patterns:
        pattern = pattern.lower().strip().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def validate_push_endpoint(*, kind: str, endpoint: str) -> None:
    """Raise a translated ``ValidationError`` on ``endpoint`` unless a device of ``kind`` may
    use it."""
    if kind != "webpush":
        if not TOKEN_PATTERN.fullmatch(endpoint or ""):
            raise ValidationError(
                {"endpoint": [_("Le jeton de l’appareil contient des caractères invalides.")]}
            )
        return
    try:
        parts = urlsplit(endpoint or "")
        host = parts.hostname or ""
        parts.port  # noqa: B018 — raises ValueError on a port that is not a number
    except ValueError:
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme != "https"
        or not host
        or parts.username is not None
        or parts.password is not None
        or len(endpoint) > ENDPOINT_MAX_LENGTH
        or any(ord(char) < 33 for char in endpoint)
    ):
        raise ValidationError(
            {
                "endpoint": [
                    _("L’adresse du service de notification doit être une adresse https valide.")
                ]
            }
        )
    if not host_is_allowed(host):
        raise ValidationError(
            {
                "endpoint": [
                    _("Ce service de notification n’est pas accepté (%(host)s).") % {"host": host}
                ]
            }
        )


def address_is_public(address: str) -> bool:
    """True only for a globally routable unicast address (an IPv4-mapped IPv6 address is
    judged by its IPv4 part)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_private
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_reserved
        and not ip.is_unspecified
    )


def public_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, or ``PushAddressRefused`` if any is not public
    (a name with one internal address among public ones is refused too)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise PushAddressRefused(f"{host}: name does not resolve ({error})") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    refused = [address for address in addresses if not address_is_public(address)]
    if refused or not addresses:
        raise PushAddressRefused(f"{host} resolves to a non-public address: {', '.join(refused)}")
    return addresses


class _PinnedToPublic:
    """Resolve, check every address, then connect to a checked one (the TLS handshake still
    names the host, so the certificate is verified against it)."""

    _dns_host: str
    port: int

    def _new_conn(self) -> socket.socket:
        addresses = public_addresses(self._dns_host, self.port)
        asked = self._dns_host
        last_error: Exception | None = None
        try:
            for address in addresses:
                self._dns_host = address
                try:
                    return super()._new_conn()  # type: ignore[misc]
                except OSError as error:  # urllib3's NewConnectionError and timeouts
                    last_error = error
        finally:
            self._dns_host = asked
        assert last_error is not None
        raise last_error


class _PublicHTTPConnection(_PinnedToPublic, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PinnedToPublic, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise PushAddressRefused("push is sent directly, never through a proxy")


def public_only_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the check must see the peer
    session.max_redirects = 3
    adapter = PublicOnlyAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
