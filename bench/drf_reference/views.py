import uuid

from django.db import transaction
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination

from .models import Outbox, Ticket, TicketEvent


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = [
            "reference",
            "request_type",
            "description",
            "field_values",
            "latitude",
            "longitude",
            "state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["reference", "state", "created_at", "updated_at"]


class Newest(CursorPagination):
    ordering = "-created_at"
    page_size = 20


class Tickets(generics.ListCreateAPIView):
    serializer_class = TicketSerializer
    pagination_class = Newest

    def get_queryset(self):
        return Ticket.objects.filter(owner=self.request.user)

    def perform_create(self, serializer):
        with transaction.atomic():
            ticket = serializer.save(owner=self.request.user, reference=uuid.uuid4().hex)
            TicketEvent.objects.create(ticket=ticket, kind="submitted")
            Outbox.objects.create(ticket=ticket, payload={"event": "submitted", "id": ticket.pk})


class OneTicket(generics.RetrieveAPIView):
    serializer_class = TicketSerializer
    lookup_field = "reference"

    def get_queryset(self):
        return Ticket.objects.filter(owner=self.request.user)
