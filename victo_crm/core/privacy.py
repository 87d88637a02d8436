"""Which models hold citizens' personal data, in one place.

The Django admin is the configuration back-office (types, fields, workflows, SLA, rules,
zones, teams, calendars, templates). Personal data is read through the desk, which applies
the staff member's scope and writes the access log, or by the citizen themself (portal,
API), or not at all. So:

* ``accounts.permissions`` grants the staff roles no model permission on these models,
  except the few in ``ADMIN_RESTRICTED``;
* none of them is registered in the admin, except those in ``ADMIN_RESTRICTED``, each shown
  without the personal fields, as its reason says;
* ``tests/core/test_admin_privacy.py`` fails when an admin registration or a model of the
  project is not classified here or in ``CONFIGURATION_MODELS``.

Labels are ``app_label.model_name`` (lower case), so this lowest layer imports no app.
"""

from __future__ import annotations

import re

# Models holding a citizen's personal data (identity, contact, what they asked or wrote,
# where they live, what they receive, their devices and secrets), with why.
PERSONAL_DATA_MODELS: dict[str, str] = {
    "core.cacheentry": "the cache while Redis is unreachable: allauth's sign-in limits are "
    "keyed by IP address; expired rows are deleted hourly (core.sweep)",
    "accounts.user": "identity, e-mail, phone and postal address of every citizen",
    "accounts.communicationpreference": "a citizen's choices of topics and channels",
    "accounts.consent": "a citizen's consents (Law 25)",
    "service_requests.servicerequest": "the requester's name, e-mail, phone, description, "
    "field values and location",
    "service_requests.requestevent": "replies, notes and comments about a citizen's request",
    "service_requests.requestfollower": "who follows which request",
    "service_requests.attachment": "a citizen's photos and files",
    "notifications.notification": "the message sent to a citizen: address, subject, body",
    "notifications.pushdevice": "a citizen's device and its push token",
    "notifications.emailsuppression": "the e-mail address of a citizen who unsubscribed",
    "notifications.slaalert": "ties to a citizen's request (no content of its own)",
    "notifications.replyaddress": "a request's reply address for one recipient (her e-mail)",
    "notifications.deliveryreceipt": "what became of a message sent to a citizen",
    "notifications.undeliverableaddress": "a citizen's e-mail address that bounced",
    "notifications.undeliverablenumber": "a citizen's phone number that texts cannot reach",
    "notifications.smsoptout": "the phone number of a citizen who answered STOP",
    "inbound.inboundmessage": "the mail and texts citizens send the town, as received",
    "alerts.subscription": "a citizen's address, topics and channels",
    "service_requests.receipt": "ties a submission to its submitter; stored API responses, "
    "which hold a citizen's data",
    "service_requests.upload": "a citizen's uploaded files",
    "desk.accesslog": "which staff member read which citizen's data",
    "account.emailaddress": "every account's e-mail addresses (allauth)",
    "account.emailconfirmation": "e-mail confirmation keys (allauth)",
    "mfa.authenticator": "second-factor secrets and recovery codes (allauth)",
    "sessions.session": "signed-in sessions",
    "wagtailusers.userprofile": "a CMS user's profile",
}

# Personal-data models still in the admin, and how each is kept free of personal data.
ADMIN_RESTRICTED: dict[str, str] = {
    "accounts.user": "staff accounts only (roles, teams, name, e-mail, language); a citizen "
    "is never listed and their page is not found; no phone or postal address",
    "notifications.notification": "delivery status for administrators (channel, kind, "
    "status, attempts, the error with addresses and numbers masked); no recipient, "
    "address, subject, body, link or context",
    "desk.accesslog": "the audit trail, administrators only, read-only; the citizen is "
    "named by number only",
}

# What the administrator group may do on the models of ADMIN_RESTRICTED. The supervisor
# group gets nothing on them.
ADMINISTRATOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "accounts.user": ("add", "change", "delete", "view"),
    "notifications.notification": ("view",),
}

# Everything else registered in the admin, with why it holds no citizen's personal data.
CONFIGURATION_MODELS: dict[str, str] = {
    "core.generation": "the configuration's generation number",
    "core.heartbeat": "when beat last ran",
    "core.ratecounter": "rate-limit counts under a digest of who (never an address or "
    "account); expired rows deleted hourly",
    "auth.group": "staff roles",
    "auth.permission": "what a role may do",
    "accounts.team": "teams: a service of the town and its staff members",
    "places.zone": "districts, collection sectors, works areas",
    "places.address": "the town's civic address registry, with no resident attached",
    "service_requests.workflow": "workflow states and transitions",
    "service_requests.state": "a workflow's states",
    "service_requests.transition": "a workflow's transitions",
    "service_requests.requestgroup": "groups of request types",
    "service_requests.requesttype": "request types, their team, workflow and SLA",
    "service_requests.requesttypefield": "a request type's custom fields",
    "service_requests.assignmentrule": "routing rules",
    "service_requests.referencecounter": "the yearly counter of references",
    "notifications.notificationrule": "notification rules and templates (their preview "
    "masks the citizen's data)",
    "alerts.alerttopic": "alert topics",
    "alerts.collectioncalendar": "collection calendars",
    "alerts.collectionexception": "collection calendar exceptions",
    "alerts.notice": "notices staff publish to an area",
    "alerts.noticeevent": "the notices' audit trail: which staff member did what to a notice",
    "alerts.noticepolicy": "the approval rule for broad notices",
    "desk.cannedresponse": "reply templates",
    "service_requests.accessgrant": "which staff may read which team's requests",
    "api.apikey": "Open311 keys of partner systems (hashed)",
    "wagtaildocs.document": "website documents (CMS content)",
    "wagtailimages.image": "website images (CMS content)",
    "taggit.tag": "website tags (CMS content)",
    "taggit.taggeditem": "which website content carries a tag",
}

_EMAIL = re.compile(r"[^\s<>\"'@,;:()]+@[^\s<>\"'@,;:()]+")
_NUMBER = re.compile(r"\+?\d[\d ().-]{5,}\d")


def _mask_number(match: re.Match[str]) -> str:
    # Seven digits or more is a phone number; "550 5.1.1" (an SMTP status) stays readable.
    text = match.group(0)
    return "[numéro]" if sum(c.isdigit() for c in text) >= 7 else text


def mask_contacts(text: str) -> str:
    """``text`` (a provider's error message) with e-mail addresses and phone numbers masked,
    so that an operator reads why a delivery failed, not to whom."""
    text = _EMAIL.sub("[courriel]", text or "")
    return _NUMBER.sub(_mask_number, text)
