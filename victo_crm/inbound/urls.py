from django.urls import path

from . import views

app_name = "inbound"
urlpatterns = [
    path("sms/twilio/", views.twilio_inbound, name="twilio"),
    path("sms/twilio/statut/", views.twilio_status, name="twilio_status"),
]
