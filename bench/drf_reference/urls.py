from django.urls import path

from .views import OneTicket, Tickets

urlpatterns = [
    path("tickets/", Tickets.as_view()),
    path("tickets/<str:reference>/", OneTicket.as_view()),
]
