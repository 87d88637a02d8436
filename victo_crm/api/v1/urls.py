"""``/api/v1/``: the mobile app's REST API: requests, account, devices, and beside them
alerts, subscriptions and collection days (``/api/v1/alerts/…``) and the in-app inbox
(``/api/v1/notifications/…``)."""

from django.urls import URLPattern, URLResolver, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/request-types/", views.RequestTypeList.as_view(), name="request-types"),
    path(
        "api/v1/request-types/<slug:code>/",
        views.RequestTypeDetail.as_view(),
        name="request-type",
    ),
    path("api/v1/request-groups/", views.RequestGroupList.as_view(), name="request-groups"),
    path("api/v1/requests/", views.RequestListCreate.as_view(), name="requests"),
    path("api/v1/requests/nearby/", views.NearbyRequests.as_view(), name="requests-nearby"),
    path("api/v1/requests/<str:reference>/", views.RequestDetail.as_view(), name="request-detail"),
    path(
        "api/v1/requests/<str:reference>/comments/",
        views.RequestComments.as_view(),
        name="request-comments",
    ),
    path(
        "api/v1/requests/<str:reference>/photos/",
        views.RequestPhotos.as_view(),
        name="request-photos",
    ),
    path(
        "api/v1/requests/<str:reference>/photos/<int:photo_id>/",
        views.RequestPhoto.as_view(),
        name="request-photo",
    ),
    path(
        "api/v1/requests/<str:reference>/reopen/",
        views.RequestReopen.as_view(),
        name="request-reopen",
    ),
    path(
        "api/v1/requests/<str:reference>/rating/",
        views.RequestRating.as_view(),
        name="request-rating",
    ),
    path("api/v1/follows/", views.FollowCreate.as_view(), name="follows"),
    path("api/v1/follows/<str:request_id>/", views.FollowDelete.as_view(), name="follow"),
    path("api/v1/uploads/", views.UploadCreate.as_view(), name="uploads"),
    path("api/v1/uploads/<str:upload_id>/", views.UploadDelete.as_view(), name="upload"),
    path("api/v1/addresses/", views.AddressSearch.as_view(), name="addresses"),
    path("api/v1/me/", views.Profile.as_view(), name="me"),
    path("api/v1/me/deletion/", views.AccountDeletion.as_view(), name="me-deletion"),
    path("api/v1/me/preferences/", views.Preferences.as_view(), name="me-preferences"),
    path("api/v1/me/consents/", views.Consents.as_view(), name="me-consents"),
    path("api/v1/me/export/", views.DataExport.as_view(), name="me-export"),
    path("api/v1/devices/", views.DeviceListCreate.as_view(), name="devices"),
    path("api/v1/devices/<int:device_id>/", views.DeviceDelete.as_view(), name="device"),
    # Alerts, subscriptions and collection days; the in-app inbox.
    path("api/v1/alerts/topics/", views.TopicList.as_view(), name="alert-topics"),
    path("api/v1/alerts/notices/", views.NoticeList.as_view(), name="alert-notices"),
    path(
        "api/v1/alerts/collections/",
        views.CollectionSchedule.as_view(),
        name="alert-collections",
    ),
    path(
        "api/v1/alerts/subscriptions/",
        views.SubscriptionListCreate.as_view(),
        name="alert-subscriptions",
    ),
    path(
        "api/v1/alerts/subscriptions/<int:pk>/",
        views.SubscriptionDetail.as_view(),
        name="alert-subscription",
    ),
    path("api/v1/notifications/", views.Inbox.as_view(), name="notifications"),
    path(
        "api/v1/notifications/read-all/",
        views.InboxReadAll.as_view(),
        name="notifications-read-all",
    ),
    path(
        "api/v1/notifications/<int:pk>/read/",
        views.InboxRead.as_view(),
        name="notification-read",
    ),
    path(
        "api/v1/schema/",
        SpectacularAPIView.as_view(urlconf="victo_crm.api.v1.urls"),
        name="schema",
    ),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api:v1:schema"), name="docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api:v1:schema"), name="redoc"),
    # [\s\S]: a path with a line feed in it is no exception.
    re_path(r"^api/v1/(?P<rest>[\s\S]*)$", views.not_found, name="not-found"),
]
