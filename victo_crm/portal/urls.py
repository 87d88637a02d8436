from django.urls import URLPattern, URLResolver, path

from .views import account, inbox, pages, requests, submit

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", pages.home, name="home"),
    path("hors-ligne/", pages.offline, name="offline"),
    path("manifest.webmanifest", pages.manifest, name="manifest"),
    path("sw.js", pages.service_worker, name="service_worker"),
    # Filing a request (guests too).
    path("requete/", submit.choose_type, name="submit_type"),
    path("requete/<slug:code>/lieu/", submit.location, name="submit_location"),
    path("requete/<slug:code>/details/", submit.details, name="submit_details"),
    path("requete/envoyee/", submit.done, name="submit_done"),
    # The photos kept from a refused form (their owner only).
    path("requete/photos/<str:upload_id>/", submit.kept_photo, name="kept_photo"),
    path(
        "requete/photos/<str:upload_id>/retirer/",
        submit.kept_photo_remove,
        name="kept_photo_remove",
    ),
    path("adresses/", submit.address_lookup, name="address_lookup"),
    path("requetes/<str:public_id>/suivre/", submit.follow, name="follow"),
    # My requests.
    path("mes-requetes/", requests.my_requests, name="my_requests"),
    path("mes-requetes/<str:reference>/", requests.request_detail, name="request_detail"),
    path("mes-requetes/<str:reference>/commentaire/", requests.comment, name="request_comment"),
    path("mes-requetes/<str:reference>/photos/", requests.add_photos, name="request_add_photos"),
    path(
        "mes-requetes/<str:reference>/photos/<str:attachment_id>/",
        requests.photo,
        name="request_photo",
    ),
    path("mes-requetes/<str:reference>/rouvrir/", requests.reopen, name="request_reopen"),
    path("mes-requetes/<str:reference>/evaluer/", requests.rate, name="request_rate"),
    path(
        "mes-requetes/<str:reference>/ne-plus-suivre/", requests.unfollow, name="request_unfollow"
    ),
    # A guest's private tracking link.
    path("suivi/<str:token>/", requests.tracking, name="tracking"),
    path(
        "suivi/<str:token>/photos/<str:attachment_id>/",
        requests.tracking_photo,
        name="tracking_photo",
    ),
    # My notices (in-app notifications).
    path("avis/", inbox.inbox, name="inbox"),
    path("avis/<int:pk>/lu/", inbox.mark_read, name="inbox_mark_read"),
    path("avis/tout-lu/", inbox.mark_all_read, name="inbox_mark_all_read"),
    # My account.
    path("profil/", account.profile, name="profile"),
    path("preferences/", account.preferences, name="preferences"),
    path("preferences/consentements/", account.consent, name="consent"),
    path("preferences/courriels/", account.email_resume, name="email_resume"),
    path("preferences/appareils/", account.push_subscribe, name="push_subscribe"),
    path(
        "preferences/appareils/<int:device_id>/retirer/",
        account.push_unsubscribe,
        name="push_unsubscribe",
    ),
    path("mes-donnees/", account.my_data, name="my_data"),
    path("mes-donnees/export.zip", account.export, name="export"),
    path("mes-donnees/supprimer/", account.delete_account, name="delete_account"),
]
