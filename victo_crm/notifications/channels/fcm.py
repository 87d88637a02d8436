"""Firebase Cloud Messaging, HTTP v1 API: push to the mobile app's devices.

Configured by settings, never by code: ``VICTO_FCM_CREDENTIALS_FILE`` (the JSON key of a
Google service account allowed to send for the Firebase project; a secret kept out of the
repository), ``VICTO_FCM_PROJECT_ID`` (default: the key's ``project_id``) and
``VICTO_FCM_API_BASE`` (default ``https://fcm.googleapis.com``). Without a key, FCM devices
are simply not served.

Each request carries an OAuth 2.0 access token obtained from the key's ``token_uri`` with a
signed JWT (RS256, the "JWT bearer" grant), kept until shortly before it expires. Answers:
200 sent; 404 ``UNREGISTERED``, 403 ``SENDER_ID_MISMATCH`` or a 400 about the registration
token mean the device is gone; 401 asks for a new access token (once); 429 and 5xx are
temporary.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings

from . import DeliveryError, PermanentDeliveryError

if TYPE_CHECKING:
    from ..models import Notification

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class DeviceGone(Exception):
    """The push service says this device will never receive anything again."""


class DeviceRefused(DeviceGone):
    """The device's endpoint may not be reached (not an allowed push service, or an address
    inside the network): it is deactivated like a gone device, and the reason recorded."""


@dataclass(frozen=True)
class ServiceAccount:
    project_id: str
    client_email: str
    private_key: str
    private_key_id: str
    token_uri: str

    @classmethod
    def load(cls, path: str) -> ServiceAccount:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            project_id=str(data.get("project_id", "")),
            client_email=str(data["client_email"]),
            private_key=str(data["private_key"]),
            private_key_id=str(data.get("private_key_id", "")),
            token_uri=str(data.get("token_uri") or "https://oauth2.googleapis.com/token"),
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_assertion(account: ServiceAccount, now: float | None = None) -> str:
    """The JWT that the token endpoint exchanges for an access token (RS256)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    issued = int(now if now is not None else time.time())
    header = {"alg": "RS256", "typ": "JWT"}
    if account.private_key_id:
        header["kid"] = account.private_key_id
    claims = {
        "iss": account.client_email,
        "scope": SCOPE,
        "aud": account.token_uri,
        "iat": issued,
        "exp": issued + 3600,
    }
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(claims, separators=(",", ":")).encode())
    )
    key = serialization.load_pem_private_key(account.private_key.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PermanentDeliveryError("the FCM service account key is not an RSA key")
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64(signature)


# Access tokens live an hour; a worker process keeps its own until a minute before the end.
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def credentials_path() -> str:
    return str(getattr(settings, "VICTO_FCM_CREDENTIALS_FILE", "") or "")


def is_configured() -> bool:
    path = credentials_path()
    return bool(path) and Path(path).is_file()


class FcmClient:
    def __init__(self, account: ServiceAccount, session: Any = None) -> None:
        self.account = account
        self.session = session or requests.Session()
        self.project_id = settings.VICTO_FCM_PROJECT_ID or account.project_id
        if not self.project_id:
            raise PermanentDeliveryError("FCM: no project id (VICTO_FCM_PROJECT_ID)")

    @classmethod
    def from_settings(cls, session: Any = None) -> FcmClient | None:
        """A client, or None when FCM is not configured."""
        if not is_configured():
            return None
        try:
            account = ServiceAccount.load(credentials_path())
        except (OSError, ValueError, KeyError) as error:
            raise PermanentDeliveryError(f"FCM: unreadable service account key: {error}") from error
        return cls(account, session)

    @property
    def _cache_key(self) -> tuple[str, str]:
        return (self.account.token_uri, self.account.client_email)

    def access_token(self, *, renew: bool = False) -> str:
        with _tokens_lock:
            cached = _tokens.get(self._cache_key)
            if cached and not renew and cached[1] > time.time() + 60:
                return cached[0]
        try:
            response = self.session.post(
                self.account.token_uri,
                data={"grant_type": JWT_BEARER, "assertion": signed_assertion(self.account)},
                timeout=10,
            )
        except requests.RequestException as error:
            raise DeliveryError(f"FCM: token endpoint unreachable: {error}") from error
        if response.status_code != 200:
            raise DeliveryError(
                f"FCM: token endpoint answered {response.status_code} {response.text[:200]}"
            )
        data = response.json()
        token = str(data["access_token"])
        expires = time.time() + float(data.get("expires_in", 3600))
        with _tokens_lock:
            _tokens[self._cache_key] = (token, expires)
        return token

    def message(self, *, device_token: str, notification: Notification) -> dict[str, Any]:
        urgent = notification.is_emergency
        tag = notification.group_key or notification.kind
        return {
            "message": {
                "token": device_token,
                "notification": {
                    "title": notification.subject,
                    "body": notification.body[:300],
                },
                # FCM data values are strings.
                "data": {
                    "url": notification.link,
                    "tag": tag,
                    "urgent": "1" if urgent else "0",
                    "kind": notification.kind,
                },
                "android": {
                    "priority": "high" if urgent else "normal",
                    "ttl": f"{int(settings.VICTO_FCM_TTL_SECONDS)}s",
                    "collapse_key": tag[:60],
                },
                "apns": {"headers": {"apns-priority": "10" if urgent else "5"}},
            }
        }

    def send(self, *, device_token: str, notification: Notification) -> str:
        """Send to one device; returns FCM's message name."""
        url = (
            f"{settings.VICTO_FCM_API_BASE.rstrip('/')}/v1/projects/{self.project_id}/messages:send"
        )
        body = self.message(device_token=device_token, notification=notification)
        for renew in (False, True):
            headers = {"Authorization": f"Bearer {self.access_token(renew=renew)}"}
            try:
                response = self.session.post(url, json=body, headers=headers, timeout=10)
            except requests.RequestException as error:
                raise DeliveryError(f"FCM unreachable: {error}") from error
            if response.status_code != 401:
                break
        status = response.status_code
        if status == 200:
            return str(response.json().get("name", ""))
        answer = _error_of(response)
        if status == 404 or answer.get("code") in ("UNREGISTERED", "SENDER_ID_MISMATCH"):
            raise DeviceGone(answer.get("message") or str(status))
        if status == 400 and "registration token" in answer.get("message", "").lower():
            raise DeviceGone(answer["message"])
        if status in (401, 429) or status >= 500:
            raise DeliveryError(f"FCM answered {status}: {answer.get('message', '')}"[:300])
        raise PermanentDeliveryError(f"FCM refused: {status} {answer.get('message', '')}"[:300])


def _error_of(response: Any) -> dict[str, str]:
    """The FCM error code (``UNREGISTERED``…) and message of an answer, when it has them."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return {"message": response.text[:200]}
    code = ""
    for detail in error.get("details", []) or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            code = str(detail["errorCode"])
    return {"code": code or str(error.get("status", "")), "message": str(error.get("message", ""))}
