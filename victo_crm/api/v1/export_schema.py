"""The Law 25 export's ``data.json`` as a schema component (``PersonalDataExport``).

``privacy.services.personal_data`` builds it from the apps' contributions (privacy.registry);
this is the contract of that shape for the app: every section, every field, its type, the
closed sets as enums (from the models' own choices), and ``additionalProperties: false``
everywhere, so a field added to an export without being added here fails the contract check
(tests/api/test_export_schema.py, tests/api/test_generated_client.py). Two values are free by
nature and say so: a request's custom-field values (keyed by the type's field codes, which an
administrator defines) and what a web session holds between pages."""

from __future__ import annotations

from typing import Any

COMPONENT = "PersonalDataExport"


def _described(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description} if description else schema


def _string(description: str = "", *, nullable: bool = False) -> dict[str, Any]:
    return _described({"type": ["string", "null"] if nullable else "string"}, description)


def _moment(description: str = "", *, nullable: bool = False) -> dict[str, Any]:
    return {**_string(description, nullable=nullable), "format": "date-time"}


def _enum(choices: Any, description: str = "") -> dict[str, Any]:
    values = [str(value) for value, _l in choices]
    return _described({"type": "string", "enum": values}, description)


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return _described(schema, description)


def _list(item: dict[str, Any], description: str = "") -> dict[str, Any]:
    return _described({"type": "array", "items": item}, description)


def _archive_path(folder: str) -> dict[str, Any]:
    return _string(
        f"The file's path in the ZIP archive (under `{folder}/`); null in the JSON form of the "
        "export and when the file is no longer in storage.",
        nullable=True,
    )


def personal_data_export() -> dict[str, Any]:
    # Imported here: the schema is built once Django's apps are ready.
    from allauth.mfa.models import Authenticator
    from django.apps import apps

    from victo_crm.accounts.models import Consent, User
    from victo_crm.accounts.preferences import Channel, Topic
    from victo_crm.inbound.models import InboundMessage
    from victo_crm.notifications.models import DeliveryReceipt, Notification, PushDevice
    from victo_crm.privacy.services import FORMAT
    from victo_crm.service_requests.models import RequestEvent, ServiceRequest

    def choices(model: Any, field: str) -> Any:
        return model._meta.get_field(field).choices

    # The desk is the api's sibling (no imports between them): its model by label, for the
    # choices of the one desk section of the export.
    access_log = apps.get_model("desk", "AccessLog")

    reference = _string("A request's reference (e.g. `2026-000123`).")
    field_value = {
        "anyOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "null"},
        ]
    }
    request = _object(
        {
            "reference": reference,
            "filed_with_account": {
                "type": "boolean",
                "description": "False for a request filed without an account under one of "
                "her verified e-mail addresses.",
            },
            "channel": _enum(choices(ServiceRequest, "channel")),
            "type": _string("The request type's name."),
            "state": _string("The state as the citizen sees it."),
            "created_at": _moment(),
            "closed_at": _moment(nullable=True),
            "description": _string(),
            "fields": {
                "type": "object",
                "description": "The type's custom-field values, keyed by field code (an "
                "administrator defines the fields: see /api/v1/request-types/).",
                "additionalProperties": field_value,
            },
            "address": _string("The registry address, or empty."),
            "location": _string("The place as the request shows it."),
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "contact_name": _string(),
            "contact_email": _string(),
            "contact_phone": _string(),
            "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
            "rating_comment": _string(),
            "timeline": _list(
                _object(
                    {
                        "at": _moment(),
                        "kind": _enum(choices(RequestEvent, "kind")),
                        "by_me": {"type": "boolean"},
                        "text": _string(),
                    }
                ),
                "Her comments and reopening reasons, and what the town answered her.",
            ),
            "photos": _list(
                _object(
                    {
                        "name": _string("The file's name when she sent it."),
                        "uploaded_at": _moment(),
                        "file": _archive_path("photos/<reference>"),
                    }
                ),
                "The photos she attached (metadata; the originals are in the archive).",
            ),
        }
    )
    return _object(
        {
            "format": {
                "type": "string",
                "enum": [FORMAT],
                "description": "The version of this shape.",
            },
            "exported_at": _moment(),
            "profile": _object(
                {
                    "email": _string(),
                    "first_name": _string(),
                    "last_name": _string(),
                    "phone": _string(),
                    "address": _string("The registry address, or empty."),
                    "address_unit": _string(),
                    "preferred_language": _enum(choices(User, "preferred_language")),
                    "date_joined": _moment(),
                    "last_login": _moment(nullable=True),
                }
            ),
            "email_addresses": _list(
                _object(
                    {
                        "email": _string(),
                        "verified": {"type": "boolean"},
                        "primary": {"type": "boolean"},
                    }
                )
            ),
            "preferences": _list(
                _object(
                    {
                        "topic": _enum(Topic.choices),
                        "channel": _enum(Channel.choices),
                        "enabled": {"type": "boolean"},
                    }
                ),
                "Every topic and channel, with what applies (hers or the default).",
            ),
            "consents": _list(
                _object(
                    {
                        "purpose": _enum(choices(Consent, "purpose")),
                        "version": _string("The version of the text she agreed to."),
                        "given_at": _moment(),
                        "withdrawn_at": _moment(nullable=True),
                    }
                )
            ),
            "sign_in": _object(
                {
                    "authenticators": _list(
                        _object(
                            {
                                "type": _enum(Authenticator.Type.choices),
                                "created_at": _moment(),
                                "last_used_at": _moment(nullable=True),
                            }
                        ),
                        "Her second factors: kinds and dates, never the secrets.",
                    ),
                    "sessions": _list(
                        _object(
                            {
                                "expires_at": _moment(),
                                "data": {
                                    "type": "object",
                                    "additionalProperties": True,
                                    "description": "What the portal keeps between pages (such "
                                    "as a request not yet sent); its keys depend on the page.",
                                },
                            }
                        ),
                        "Her open sessions (the portal's and the app's).",
                    ),
                }
            ),
            "requests": _list(
                request,
                "Her requests, and those filed without an account under her verified e-mail.",
            ),
            "followed_requests": _list(_object({"reference": reference, "since": _moment()})),
            "notifications": _list(
                _object(
                    {
                        "created_at": _moment(),
                        "channel": _enum(choices(Notification, "channel")),
                        "to": _string("The address, number or device it went to."),
                        "subject": _string(),
                        "body": _string(),
                        "link": _string(),
                        "status": _enum(choices(Notification, "status")),
                        "sent_at": _moment(nullable=True),
                        "read_at": _moment(nullable=True),
                    }
                ),
                "Every message to her, on every channel (her inbox included).",
            ),
            "email_suppressions": _list(
                _object(
                    {
                        "email": _string(),
                        "topic": _string("The topic she unsubscribed from; empty for all."),
                        "since": _moment(),
                    }
                )
            ),
            "devices": _list(
                _object(
                    {
                        "kind": _enum(choices(PushDevice, "kind")),
                        "name": _string(),
                        "endpoint": _string(),
                        "created_at": _moment(),
                        "last_used_at": _moment(nullable=True),
                    }
                )
            ),
            "alert_subscriptions": _list(
                _object(
                    {
                        "topic": _string("A topic code (/api/v1/alerts/topics/)."),
                        "address": _string(),
                        "label": _string(),
                        "channels": _list(_enum(choices(Notification, "channel"))),
                        "active": {"type": "boolean"},
                        "created_at": _moment(),
                    }
                )
            ),
            "pending_uploads": _list(
                _object(
                    {
                        "id": {"type": "string", "format": "uuid"},
                        "name": _string(),
                        "uploaded_at": _moment(),
                        "expires_at": _moment(),
                        "file": _archive_path("uploads"),
                    }
                ),
                "Photos sent ahead of a submission not yet made.",
            ),
            "api_replays": _list(
                _object(
                    {
                        "key": _string("The Idempotency-Key the app sent."),
                        "created_at": _moment(),
                        "expires_at": _moment(),
                        "response_status": {"type": ["integer", "null"]},
                        "response_body": _string("The first answer, kept for a replay."),
                    }
                )
            ),
            "submission_receipts": _list(
                _object({"token": _string(), "reference": _string(), "created_at": _moment()}),
                "The portal's receipts of her submissions.",
            ),
            "consultations": _list(
                _object(
                    {
                        "at": _moment(),
                        "what": _enum(choices(access_log, "what")),
                        "reference": _string("The request consulted, or empty."),
                    }
                ),
                "When staff consulted her data.",
            ),
            "delivery_reports": _object(
                {
                    "receipts": _list(
                        _object(
                            {
                                "address": _string(),
                                "kind": _enum(choices(DeliveryReceipt, "kind")),
                                "at": _moment(),
                            }
                        )
                    ),
                    "sms_opt_out": _list(_object({"number": _string(), "since": _moment()})),
                    "undeliverable": _list(_object({"email": _string(), "since": _moment()})),
                    "undeliverable_numbers": _list(
                        _object({"number": _string(), "since": _moment()})
                    ),
                }
            ),
            "inbound_messages": _list(
                _object(
                    {
                        "received_at": _moment(),
                        "transport": _enum(choices(InboundMessage, "transport")),
                        "from": _string(),
                        "subject": _string(),
                        "text": _string(),
                        "status": _enum(choices(InboundMessage, "status")),
                        "reference": _string(),
                    }
                ),
                "The e-mails and texts she sent the town.",
            ),
            "reply_addresses": _list(
                _object({"reference": reference, "email": _string(), "created_at": _moment()})
            ),
        },
        "Everything the town holds about her (Law 25): `data.json` of the export archive.",
    )
