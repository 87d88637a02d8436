from django.urls import path

from . import views, views_inbound, views_intake, views_reports

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("acces-urgence/", views.break_glass, name="break_glass"),
    path("requetes/nouvelle/", views_intake.on_behalf, name="on_behalf"),
    path("adresses/", views_intake.addresses, name="addresses"),
    path("equipes/agents/", views.team_agents, name="team_agents"),
    path("requetes/<str:reference>/", views.request_detail, name="request"),
    path("requetes/<str:reference>/action/", views.request_transition, name="transition"),
    path("requetes/<str:reference>/attribuer/", views.request_assign, name="assign"),
    path("requetes/<str:reference>/priorite/", views.request_priority, name="priority"),
    path("requetes/<str:reference>/note/", views.request_note, name="note"),
    path(
        "requetes/<str:reference>/resume-public/",
        views.request_public_summary,
        name="public_summary",
    ),
    path("requetes/<str:reference>/reponse/", views.request_reply, name="reply"),
    path(
        "requetes/<str:reference>/reponses-types/<int:pk>/",
        views.canned_response,
        name="canned",
    ),
    path("requetes/<str:reference>/photos/<int:pk>/", views.request_photo, name="photo"),
    path("requetes/<str:reference>/jumeler/", views.request_merge, name="merge"),
    path("requetes/<str:reference>/reclasser/", views.request_reclassify, name="reclassify"),
    path("actions-groupees/", views_reports.bulk, name="bulk"),
    path("exporter.csv", views_reports.export_csv, name="export_csv"),
    path("exporter.xlsx", views_reports.export_xlsx, name="export_xlsx"),
    path("carte/", views_reports.map_view, name="map"),
    path("carte/points.json", views_reports.map_points, name="map_points"),
    path("tableau-de-bord/", views_reports.dashboard, name="dashboard"),
    path("messages-recus/", views_inbound.inbound_list, name="inbound_list"),
    path("messages-recus/<int:pk>/", views_inbound.inbound_detail, name="inbound"),
    path("messages-recus/<int:pk>/action/", views_inbound.inbound_action, name="inbound_action"),
]
