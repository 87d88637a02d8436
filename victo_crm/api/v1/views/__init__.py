"""The mobile REST API, version 1, one module per resource. Thin endpoints: validate, call a
service or a selector, serialise with the serializers of ``api.v1.serializers`` (the one
description of every body, which the OpenAPI schema is generated from). Every write is a
service of the app that owns the data (service_requests, accounts, alerts, notifications,
service_requests for the photos sent ahead, which the portal shares)."""

from .account import AccountDeletion, Consents, DataExport, Preferences, Profile
from .addresses import AddressSearch
from .alerts import (
    CollectionSchedule,
    Inbox,
    InboxRead,
    InboxReadAll,
    NoticeList,
    SubscriptionDetail,
    SubscriptionListCreate,
    TopicList,
)
from .base import not_found
from .catalogue import RequestGroupList, RequestTypeDetail, RequestTypeList
from .devices import DeviceDelete, DeviceListCreate
from .follows import FollowCreate, FollowDelete, NearbyRequests
from .requests import (
    RequestComments,
    RequestDetail,
    RequestListCreate,
    RequestPhoto,
    RequestPhotos,
    RequestRating,
    RequestReopen,
)
from .uploads import UploadCreate, UploadDelete

__all__ = [
    "AccountDeletion",
    "AddressSearch",
    "CollectionSchedule",
    "Consents",
    "DataExport",
    "DeviceDelete",
    "DeviceListCreate",
    "FollowCreate",
    "FollowDelete",
    "Inbox",
    "InboxRead",
    "InboxReadAll",
    "NearbyRequests",
    "NoticeList",
    "Preferences",
    "Profile",
    "RequestComments",
    "RequestDetail",
    "RequestGroupList",
    "RequestListCreate",
    "RequestPhoto",
    "RequestPhotos",
    "RequestRating",
    "RequestReopen",
    "RequestTypeDetail",
    "RequestTypeList",
    "SubscriptionDetail",
    "SubscriptionListCreate",
    "TopicList",
    "UploadCreate",
    "UploadDelete",
    "not_found",
]
