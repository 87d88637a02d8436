"""Every field of every model, classified: personal data of a citizen, or not (reviewed).

``PERSONAL`` names the fields that hold a citizen's personal data (or point at it); each of
those models must have a ``registry.Contribution`` that exports and erases it.
``NOT_PERSONAL`` names the reviewed fields that do not. A model or field in neither fails
``tests/privacy/test_inventory.py``: whoever adds one decides here, and if it is personal,
adds it to the export, the erasure and (if it has a retention period) the purge.

Staff members' own data (an agent's name on a note, a web editor's revisions) is outside
this inventory: it is the town's employment record, not a citizen's. Models of the CMS and
of Django itself that a citizen account never writes are listed in ``REVIEWED_MODELS`` as
a whole, with the reason."""

from __future__ import annotations

PERSONAL: dict[str, frozenset[str]] = {
    "accounts.User": frozenset(
        {
            "email",
            "first_name",
            "last_name",
            "phone",
            "address",
            "address_unit",
            "preferred_language",
            "date_joined",
            "last_login",
            "password",
        }
    ),
    "accounts.CommunicationPreference": frozenset({"user", "topic", "channel", "enabled"}),
    "accounts.Consent": frozenset({"user", "purpose", "version", "given_at", "withdrawn_at"}),
    "account.EmailAddress": frozenset({"user", "email", "verified", "primary"}),
    "account.EmailConfirmation": frozenset({"email_address", "key"}),
    "mfa.Authenticator": frozenset({"user", "type", "data"}),
    "sessions.Session": frozenset({"session_data"}),
    "admin.LogEntry": frozenset({"object_repr", "change_message"}),
    "service_requests.ServiceRequest": frozenset(
        {
            "citizen",
            "contact_name",
            "contact_email",
            "contact_phone",
            "description",
            "field_values",
            "location_text",
            "latitude",
            "longitude",
            "address",
            "address_is_nearest",
            "rating",
            "rating_comment",
            "tracking_token_hash",
            # The token handed to the partner that filed it: like the tracking link, it
            # reaches the request, so it goes with the person.
            "open311_token_hash",
            "search_document",
        }
    ),
    "service_requests.RequestEvent": frozenset({"actor", "message", "data"}),
    "service_requests.RequestFollower": frozenset({"user", "request"}),
    "service_requests.Attachment": frozenset({"file", "original_name", "uploaded_by"}),
    "notifications.Notification": frozenset(
        {"recipient", "address", "subject", "body", "context", "link", "read_at"}
    ),
    "notifications.EmailSuppression": frozenset({"email", "topic"}),
    "notifications.PushDevice": frozenset({"user", "name", "endpoint", "keys", "endpoint_hash"}),
    "notifications.DeliveryReceipt": frozenset({"notification", "address", "detail"}),
    "notifications.UndeliverableAddress": frozenset({"email", "detail"}),
    "notifications.UndeliverableNumber": frozenset({"number", "detail"}),
    "notifications.SmsOptOut": frozenset({"number"}),
    # A reply address reaches her request: it goes with her.
    "notifications.ReplyAddress": frozenset(
        {"request", "recipient", "email", "recipient_key", "nonce", "token_hash"}
    ),
    "inbound.InboundMessage": frozenset(
        {
            "envelope_from",
            "envelope_to",
            "sender",
            "sender_name",
            "subject",
            "message_id",
            "raw",
            "body_text",
            "text",
            "request",
            "event",
            "reply_address",
            "external_id",
        }
    ),
    "alerts.Subscription": frozenset({"user", "address", "label", "channels", "topic"}),
    "desk.AccessLog": frozenset({"citizen", "detail"}),
    # Who submitted, the key her browser or app chose, the response that held her data.
    "service_requests.Receipt": frozenset({"scope", "key", "response_body", "response_headers"}),
    "service_requests.Upload": frozenset({"owner", "file", "original_name"}),
}

NOT_PERSONAL: dict[str, frozenset[str]] = {
    "accounts.User": frozenset(
        {"id", "is_superuser", "is_staff", "is_active", "groups", "user_permissions"}
    ),
    "accounts.Team": frozenset(
        {"id", "created_at", "updated_at", "code", "name_fr", "name_en", "email", "is_active"}
        | {"members"}  # staff only
    ),
    "accounts.CommunicationPreference": frozenset({"id", "updated_at"}),
    "accounts.Consent": frozenset({"id"}),
    "account.EmailAddress": frozenset({"id"}),
    "account.EmailConfirmation": frozenset({"id", "created", "sent"}),
    "mfa.Authenticator": frozenset({"id", "created_at", "last_used_at"}),
    "sessions.Session": frozenset({"session_key", "expire_date"}),
    # Staff actions in the admin; only the text describing the changed object can name a
    # citizen (the repr of her account), see the accounts contribution.
    "admin.LogEntry": frozenset(
        {"id", "action_time", "user", "content_type", "object_id", "action_flag"}
    ),
    "auth.Permission": frozenset({"id", "name", "content_type", "codename"}),
    "auth.Group": frozenset({"id", "name", "permissions"}),
    "contenttypes.ContentType": frozenset({"id", "app_label", "model"}),
    # The town's address registry and zones: public data, not about a person.
    "places.Zone": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "kind",
            "code",
            "name",
            "geometry",
            "min_lon",
            "min_lat",
            "max_lon",
            "max_lat",
        }
    ),
    "places.Address": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "civic_number",
            "civic_suffix",
            "street",
            "unit",
            "postal_code",
            "city",
            "latitude",
            "longitude",
            "search_text",
            "zones",
        }
    ),
    # Configuration edited by staff.
    "service_requests.Workflow": frozenset(
        {"id", "created_at", "updated_at", "code", "name_fr", "name_en", "description"}
        | {"is_active"}
    ),
    "service_requests.State": frozenset(
        {
            "id",
            "workflow",
            "code",
            "label_fr",
            "label_en",
            "citizen_label_fr",
            "citizen_label_en",
            "is_initial",
            "is_final",
            "open311_status",
            "sla_running",
            "order",
            "role",
        }
    ),
    "service_requests.Transition": frozenset(
        {
            "id",
            "workflow",
            "from_state",
            "to_state",
            "label_fr",
            "label_en",
            "citizen_may_fire",
            "comment_required",
            "notify_citizen",
            "order",
            "allowed_groups",
            "takes_charge",
        }
    ),
    "service_requests.RequestGroup": frozenset({"id", "code", "name_fr", "name_en", "order"}),
    "service_requests.RequestType": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "code",
            "name_fr",
            "name_en",
            "description_fr",
            "description_en",
            "group",
            "keywords",
            "team",
            "workflow",
            "sla_hours",
            "default_priority",
            "location_required",
            "location_allowed",
            "photos_allowed",
            "is_active",
            "order",
            "public_visibility",
            "is_sensitive",
        }
    ),
    "service_requests.RequestTypeField": frozenset(
        {
            "id",
            "request_type",
            "code",
            "label_fr",
            "label_en",
            "help_fr",
            "help_en",
            "datatype",
            "required",
            "order",
            "choices",
        }
    ),
    # The request itself is the town's record: its handling stays when its citizen goes.
    "service_requests.ServiceRequest": frozenset(
        {
            "id",
            "updated_at",
            "created_at",
            "reference",
            "request_type",
            "state",
            "language",
            "channel",
            "team",
            "assignee",
            "priority",
            "due_at",
            "sla_paused_at",
            "first_response_at",
            "closed_at",
            "citizen_updated_at",
            "merged_into",
            "rated_at",
            "version",
            "public_id",
            "zones",
            # Written and approved by staff for the public feed, not the citizen's words.
            "public_summary",
            "public_summary_approved_at",
            "public_summary_approved_by",
        }
    ),
    "service_requests.AssignmentRule": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "name",
            "order",
            "is_active",
            "request_type",
            "group",
            "zone",
            "team",
            "strategy",
            "last_assignee",
        }
    ),
    "service_requests.RequestFollower": frozenset({"id", "created_at"}),
    "service_requests.RequestEvent": frozenset(
        {"id", "request", "kind", "is_public", "from_state", "to_state", "transition"}
        | {"created_at", "for_followers"}
    ),
    # The public copy is re-encoded without EXIF and shows the problem, not the person;
    # sha256 is the digest of the original, which goes with the account.
    "service_requests.Attachment": frozenset(
        {
            "id",
            "request",
            "event",
            "public_file",
            "content_type",
            "size",
            "width",
            "height",
            "sha256",
            "is_public",
            "created_at",
        }
    ),
    "service_requests.ReferenceCounter": frozenset({"year", "last"}),
    # dedup_key names a user by id or a guest by a truncated hash of the address.
    "notifications.Notification": frozenset(
        {
            "id",
            "channel",
            "language",
            "kind",
            "request",
            "event",
            "rule",
            "topic",
            "group_key",
            "is_emergency",
            "dedup_key",
            # The provider's random id of a text (a Twilio MessageSid): no one's data.
            "provider_id",
            "status",
            "attempts",
            "last_error",
            "not_before",
            "queued_at",
            "claimed_at",
            "sent_at",
            "created_at",
        }
    ),
    # Rules address staff and fixed team mailboxes, never a citizen by name.
    "notifications.NotificationRule": frozenset(
        {
            "id",
            "name",
            "is_active",
            "event",
            "priorities",
            "submission_channels",
            "to_requester",
            "to_followers",
            "to_assignee",
            "to_team",
            "fixed_addresses",
            "channels",
            "subject_fr",
            "subject_en",
            "body_fr",
            "body_en",
            "follower_subject_fr",
            "follower_subject_en",
            "follower_body_fr",
            "follower_body_en",
            "order",
            "created_at",
            "updated_at",
            "request_types",
            "request_groups",
            "states",
            "zones",
        }
    ),
    "notifications.EmailSuppression": frozenset({"id", "reason", "created_at"}),
    "notifications.PushDevice": frozenset({"id", "kind", "is_active", "created_at"})
    | frozenset({"last_used_at"}),
    "notifications.SlaAlert": frozenset({"id", "request", "kind", "due_at", "created_at"}),
    "notifications.ReplyAddress": frozenset({"id", "revoked_at", "created_at"}),
    "notifications.DeliveryReceipt": frozenset(
        {"id", "kind", "status_code", "provider_id", "created_at"}
    ),
    "notifications.UndeliverableAddress": frozenset({"id", "status_code", "created_at"}),
    "notifications.UndeliverableNumber": frozenset({"id", "status_code", "created_at"}),
    "notifications.SmsOptOut": frozenset({"id", "created_at"}),
    "inbound.InboundMessage": frozenset(
        {
            "id",
            "transport",
            "status",
            "reason",
            "detail",
            "size",
            "attempts",
            "handled_by",
            "received_at",
            "processed_at",
        }
    ),
    "alerts.AlertTopic": frozenset(
        {
            "id",
            "code",
            "category",
            "name_fr",
            "name_en",
            "description_fr",
            "description_en",
            "is_active",
            "order",
        }
    ),
    "alerts.Subscription": frozenset({"id", "created_at", "updated_at", "is_active"}),
    "alerts.CollectionCalendar": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "zone",
            "topic",
            "frequency",
            "weekday",
            "reference_date",
            "valid_until",
            "season_start",
            "season_end",
            "is_active",
        }
    ),
    "alerts.CollectionException": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "calendar",
            "kind",
            "date",
            "new_date",
            "reason_fr",
            "reason_en",
        }
    ),
    # Notices are written by staff for a topic and an area, not about a person.
    "alerts.Notice": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "topic",
            "severity",
            "title_fr",
            "title_en",
            "body_fr",
            "body_en",
            "area_kind",
            "streets",
            "latitude",
            "longitude",
            "radius_m",
            "starts_at",
            "ends_at",
            "status",
            "created_by",
            "published_by",
            "published_at",
            "audience_count",
            "fanout_cursor",
            "fanout_done_at",
            "zones",
            "requested_at",
            "requested_by",
        }
    ),
    "alerts.NoticePolicy": frozenset(
        {"id", "broad_audience_from", "require_second_approval", "updated_at"}
    ),
    # The audit trail of a notice: staff actions (the actor's e-mail is a staff member's).
    "alerts.NoticeEvent": frozenset(
        {
            "id",
            "notice",
            "kind",
            "actor",
            "actor_email",
            "area",
            "area_kind",
            "at",
            "audience_count",
            "comment",
            "is_broad",
            "severity",
        }
    ),
    "desk.CannedResponse": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "title",
            "body_fr",
            "body_en",
            "is_active",
            "order",
            "teams",
        }
    ),
    # The staff member who looked is the town's audit record; the request link stays.
    "desk.AccessLog": frozenset({"id", "user", "request", "what", "at"}),
    "service_requests.AccessGrant": frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "team",
            "grantee_team",
            "grantee",
            "level",
            "ends_on",
            "reason",
            "created_by",
            "request_types",
            "zones",
        }
    ),
    # A partner system's key, named after the partner.
    "api.ApiKey": frozenset({"id", "name", "prefix", "key_hash", "is_active", "created_at"})
    | frozenset({"last_used_at"}),
    "service_requests.Receipt": frozenset(
        {"id", "fingerprint", "service_request", "response_status", "created_at", "expires_at"}
    ),
    # owner_key: the SHA-256 of a random key held in a guest's session, naming no one.
    "service_requests.Upload": frozenset({"id", "public_id", "content_type", "size", "created_at"})
    | frozenset({"expires_at", "owner_key"}),
}

# Whole models reviewed at once: the CMS (Wagtail, behind the web editor role; its user
# fields are staff) and its tag library. A citizen account never writes them; no form page
# type exists, so wagtailforms.FormSubmission stays empty (adding one means adding it here
# as personal data).
_CMS = "CMS du site, écrit par le personnel seulement"
REVIEWED_MODELS: dict[str, str] = {
    label: _CMS
    for label in (
        "website.HomePage",
        "website.DepartmentPage",
        "website.InformationPage",
        "website.NewsIndexPage",
        "website.NewsPage",
        "wagtailforms.FormSubmission",
        "wagtailredirects.Redirect",
        "wagtailembeds.Embed",
        "wagtailusers.UserProfile",
        "wagtaildocs.Document",
        "wagtailimages.Image",
        "wagtailimages.Rendition",
        "wagtailsearch.SQLiteFTSIndexEntry",
        "wagtailsearch.IndexEntry",
        "wagtailadmin.Admin",
        "wagtailadmin.EditingSession",
        "wagtailcore.Locale",
        "wagtailcore.Site",
        "wagtailcore.ModelLogEntry",
        "wagtailcore.Revision",
        "wagtailcore.CollectionViewRestriction",
        "wagtailcore.Collection",
        "wagtailcore.GroupCollectionPermission",
        "wagtailcore.UploadedFile",
        "wagtailcore.WorkflowContentType",
        "wagtailcore.WorkflowState",
        "wagtailcore.Workflow",
        "wagtailcore.WorkflowTask",
        "wagtailcore.Task",
        "wagtailcore.GroupApprovalTask",
        "wagtailcore.TaskState",
        "wagtailcore.Page",
        "wagtailcore.GroupPagePermission",
        "wagtailcore.PageViewRestriction",
        "wagtailcore.WorkflowPage",
        "wagtailcore.PageLogEntry",
        "wagtailcore.Comment",
        "wagtailcore.CommentReply",
        "wagtailcore.PageSubscription",
        "wagtailcore.ReferenceIndex",
        "taggit.Tag",
        "taggit.TaggedItem",
    )
}

# The infrastructure tables of core, reviewed as a whole: none is about a citizen one could
# name, so none is exported or erased with her; each is short-lived or holds no person.
REVIEWED_MODELS |= {
    "core.Generation": "the configuration's generation numbers",
    "core.Heartbeat": "when beat last ran",
    "core.RateCounter": "rate-limit counts under a digest of who (never an address or an "
    "account); expired rows deleted hourly by core.sweep",
    "core.CacheEntry": "the cache's copy in PostgreSQL while Redis is unreachable "
    "(allauth's sign-in limits keyed by IP address, configuration); expired rows deleted "
    "hourly by core.sweep, and no entry can be found by the person it concerns",
}
