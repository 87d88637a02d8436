"""service_request_submit: a citizen or a guest files a request; bad input leaves no trace."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from tests.conftest import CENTRE_LAT, CENTRE_LON, OUTSIDE_TOWN
from victo_crm.notifications.models import Notification
from victo_crm.service_requests.models import (
    Attachment,
    Channel,
    EventKind,
    RequestEvent,
    ServiceRequest,
)
from victo_crm.service_requests.services import Contact, hash_token, service_request_submit

pytestmark = pytest.mark.django_db

GOOD_FIELDS = {"taille": "moyen", "nombre": "3", "voies": ["nord"]}


def nothing_written() -> None:
    assert ServiceRequest.objects.count() == 0
    assert RequestEvent.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert Notification.objects.count() == 0


def submit(rtype, **overrides):
    kwargs = dict(
        request_type=rtype,
        field_values=GOOD_FIELDS,
        description="Un gros trou devant chez moi.",
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )
    kwargs.update(overrides)
    return service_request_submit(**kwargs)


class TestACitizenSubmits:
    def test_the_request_gets_a_reference_state_team_due_date_and_zones(
        self, request_type, citizen, town
    ):
        request = submit(request_type, citizen=citizen)

        assert re.fullmatch(r"\d{4}-\d{6}", request.reference)
        assert request.state.code == "recue"
        assert request.team == request_type.team
        assert abs(request.due_at - request.created_at - timedelta(hours=72)) < timedelta(seconds=5)
        assert request.field_values == {"taille": "moyen", "nombre": 3, "voies": ["nord"]}
        assert {z.code for z in request.zones.all()} == {"victoriaville", "ouest", "secteur-a"}
        assert request.contact_email == citizen.email
        assert request.channel == Channel.WEB

    def test_it_is_on_the_public_timeline_and_in_the_outbox(self, request_type, citizen, town):
        request = submit(request_type, citizen=citizen)

        event = request.events.get()
        assert event.kind == EventKind.SUBMITTED and event.is_public
        channels = set(
            Notification.objects.filter(request=request).values_list("channel", flat=True)
        )
        assert channels == {"email", "in_app"}

    def test_references_follow_each_other(self, request_type, citizen, town):
        first = submit(request_type, citizen=citizen)
        second = submit(request_type, citizen=citizen)
        assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1

    def test_a_registry_address_gives_the_location_and_zones(self, request_type, citizen, address):
        request = submit(
            request_type, citizen=citizen, latitude=None, longitude=None, address=address
        )
        assert (request.latitude, request.longitude) == (address.latitude, address.longitude)
        assert request.place_label == address.label and request.location_text == ""
        assert request.zones.filter(kind="district").count() == 1

    def test_photos_are_stored_with_a_public_copy_without_exif(
        self, request_type, citizen, town, make_image
    ):
        request = submit(
            request_type,
            citizen=citizen,
            photos=[make_image(exif=True), make_image("b.png", "PNG")],
        )

        attachments = list(request.attachments.order_by("pk"))
        assert [a.content_type for a in attachments] == ["image/jpeg", "image/png"]
        with attachments[0].file.open("rb") as original:
            assert Image.open(original).getexif().get(0x8825)  # the original keeps what was sent
        with attachments[0].public_file.open("rb") as public:
            assert not Image.open(public).getexif()  # the public copy says nothing of it

    def test_text_is_kept_as_typed_never_interpreted(self, request_type, citizen, town):
        request = submit(request_type, citizen=citizen, description="<script>alert(1)</script>")
        assert request.description == "<script>alert(1)</script>"


class TestAGuestSubmits:
    def test_a_guest_gets_a_private_tracking_token(self, request_type, town):
        request = submit(request_type, contact=Contact(name="Paul Roy", email="Paul@Example.ca"))
        assert request.citizen is None
        assert request.contact_email == "paul@example.ca"
        assert len(request.tracking_token) >= 30
        assert request.tracking_token_hash == hash_token(request.tracking_token)
        assert Notification.objects.filter(
            request=request, channel="email", address="paul@example.ca"
        ).exists()

    @pytest.mark.parametrize(
        "contact",
        [None, Contact(name="", email="a@b.ca"), Contact(name="Paul", email="pas-un-courriel")],
    )
    def test_a_guest_must_leave_a_name_and_a_valid_email(self, request_type, town, contact):
        with pytest.raises(ValidationError) as error:
            submit(request_type, contact=contact)
        assert "contact" in error.value.message_dict
        nothing_written()


class TestBadInputIsRefusedWithAClearFrenchMessage:
    def refused(self, rtype, citizen, key, **overrides) -> str:
        with pytest.raises(ValidationError) as error:
            submit(rtype, citizen=citizen, **overrides)
        nothing_written()
        assert key in error.value.message_dict, error.value.message_dict
        return " ".join(error.value.message_dict[key])

    def test_unknown_type(self, request_type, citizen, town):
        message = self.refused(request_type, citizen, "request_type", request_type="licorne")
        assert message == "Ce type de requête n’existe pas."

    def test_missing_required_field(self, request_type, citizen, town):
        message = self.refused(
            request_type, citizen, "field_values.taille", field_values={"nombre": 2}
        )
        assert message == "Le champ «\u00a0Taille\u00a0» est obligatoire."

    def test_wrong_datatype(self, request_type, citizen, town):
        message = self.refused(
            request_type,
            citizen,
            "field_values.nombre",
            field_values={**GOOD_FIELDS, "nombre": "beaucoup"},
        )
        assert message == "Nombre de trous\u00a0: Ce champ attend un nombre."

    def test_wrong_datetime(self, request_type, citizen, town):
        message = self.refused(
            request_type,
            citizen,
            "field_values.releve",
            field_values={**GOOD_FIELDS, "releve": "hier soir"},
        )
        assert "date et une heure" in message

    def test_choice_not_in_the_list(self, request_type, citizen, town):
        message = self.refused(
            request_type,
            citizen,
            "field_values.taille",
            field_values={**GOOD_FIELDS, "taille": "énorme"},
        )
        assert (
            message == "Taille\u00a0: «\u00a0énorme\u00a0» ne fait pas partie des choix proposés."
        )

    def test_one_bad_choice_among_many(self, request_type, citizen, town):
        self.refused(
            request_type,
            citizen,
            "field_values.voies",
            field_values={**GOOD_FIELDS, "voies": ["nord", "ouest"]},
        )

    def test_a_field_the_type_does_not_have(self, request_type, citizen, town):
        message = self.refused(
            request_type,
            citizen,
            "field_values.couleur",
            field_values={**GOOD_FIELDS, "couleur": "bleu"},
        )
        assert "n’existe pas" in message

    def test_location_outside_the_town(self, request_type, citizen, town):
        message = self.refused(
            request_type, citizen, "location", latitude=OUTSIDE_TOWN[0], longitude=OUTSIDE_TOWN[1]
        )
        assert message == "Ce lieu est hors du territoire de la Ville de Victoriaville."

    def test_missing_location_when_required(self, request_type, citizen, town):
        message = self.refused(request_type, citizen, "location", latitude=None, longitude=None)
        assert "Indiquez le lieu" in message

    def test_unknown_address(self, request_type, citizen, town):
        self.refused(
            request_type, citizen, "address", latitude=None, longitude=None, address=999_999
        )

    def test_a_non_image_renamed_jpg(self, request_type, citizen, town):
        from io import BytesIO

        fake = BytesIO(b"%PDF-1.4 not a photo at all" * 20)
        fake.name = "photo.jpg"
        message = self.refused(request_type, citizen, "photos", photos=[fake])
        assert (
            message
            == "Le fichier «\u00a0photo.jpg\u00a0» n’est pas une image JPEG, PNG ou WebP valide."
        )

    def test_a_truncated_image(self, request_type, citizen, town, make_image):
        from io import BytesIO

        data = make_image(size=(400, 300)).getvalue()
        broken = BytesIO(data[: len(data) // 2])
        broken.name = "coupee.jpg"
        self.refused(request_type, citizen, "photos", photos=[broken])

    def test_an_oversized_file(self, request_type, citizen, town, make_image, settings):
        settings.VICTO_MAX_ATTACHMENT_BYTES = 1024
        message = self.refused(
            request_type, citizen, "photos", photos=[make_image(size=(800, 600))]
        )
        assert "dépasse la taille permise" in message

    def test_too_many_photos(self, request_type, citizen, town, make_image, settings):
        settings.VICTO_MAX_ATTACHMENTS = 2
        message = self.refused(
            request_type, citizen, "photos", photos=[make_image() for _ in range(3)]
        )
        assert message == "Vous pouvez joindre au plus 2 photos à une requête."

    def test_every_problem_is_reported_at_once(self, request_type, citizen, town):
        with pytest.raises(ValidationError) as error:
            submit(
                request_type,
                citizen=citizen,
                field_values={},
                latitude=OUTSIDE_TOWN[0],
                longitude=OUTSIDE_TOWN[1],
            )
        assert {"field_values.taille", "location"} <= set(error.value.message_dict)
        nothing_written()

    def test_messages_are_english_for_an_english_caller(self, request_type, citizen, town):
        from django.utils import translation

        with translation.override("en"), pytest.raises(ValidationError) as error:
            submit(request_type, citizen=citizen, request_type="licorne")
        assert error.value.message_dict["request_type"] == ["This request type does not exist."]
