from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "alerts"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("en-vigueur/<int:pk>/", views.notice_public, name="notice_public"),
    path("collectes/", views.collection_search, name="collection_search"),
    path("collectes/adresse/<int:address_id>/", views.collection_days, name="collection_days"),
    path("collectes/ical/<str:token>.ics", views.collection_ical, name="collection_ical"),
    path("mon-calendrier/", views.my_calendar, name="my_calendar"),
    path("abonnements/", views.subscriptions, name="subscriptions"),
    path("abonnements/<int:pk>/supprimer/", views.subscription_delete, name="subscription_delete"),
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("avis/", views.notice_list, name="notice_list"),
    path("avis/nouveau/", views.notice_edit, name="notice_new"),
    path("avis/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("avis/<int:pk>/modifier/", views.notice_edit, name="notice_edit"),
    path("avis/<int:pk>/publier/", views.notice_publish, name="notice_publish"),
    path("avis/<int:pk>/approuver/", views.notice_approve, name="notice_approve"),
    path("avis/<int:pk>/refuser/", views.notice_reject, name="notice_reject"),
    path("avis/<int:pk>/retirer/", views.notice_withdraw, name="notice_withdraw"),
]
