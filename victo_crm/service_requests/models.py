"""Request types, workflows and requests: configuration as data, edited in the admin."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from victo_crm.core.config_cache import ChangesQuerySet
from victo_crm.core.models import Localized, TimeStampedModel

# Who may see and act on which requests beyond their own teams (re-exported: one models module).
from .grants import AccessGrant as AccessGrant
from .grants import GrantLevel as GrantLevel

# What was already done once and its result: resent forms, Idempotency-Key (re-exported).
from .receipts import Receipt as Receipt

# --- Workflows -----------------------------------------------------------------------------


class Open311Status(models.TextChoices):
    OPEN = "open", _("ouverte")
    CLOSED = "closed", _("fermée")


class StateRole(models.TextChoices):
    """What the code relies on a state for, whatever its code and labels become. At most one
    state of each role per workflow, checked with the graph (``workflows.validate_graph``)."""

    REOPENED = "reopened", _("réouverture : où va une requête que le citoyen rouvre")
    DUPLICATE = "duplicate", _("doublon : où vont les requêtes jumelées à une autre")


class Workflow(TimeStampedModel):
    """States and transitions that requests of one or many types move through.

    A workflow is saved as a draft while it is being drawn; it can only be activated (and
    used by a request type) once its graph is valid: see ``workflows.validate_graph``.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_fr = models.CharField(_("nom (français)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120, blank=True)
    name = Localized()
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(
        _("actif"),
        default=False,
        help_text=_(
            "Un flux actif est vérifié à chaque enregistrement : un seul état initial, tous les "
            "états atteignables, un état final atteignable depuis chaque état."
        ),
    )

    class Meta:
        verbose_name = _("flux de travail")
        verbose_name_plural = _("flux de travail")
        ordering = ("name_fr",)

    def __str__(self) -> str:
        return self.name


class State(models.Model):
    workflow = models.ForeignKey(
        Workflow, verbose_name=_("flux"), on_delete=models.CASCADE, related_name="states"
    )
    code = models.SlugField(_("code"), max_length=50)
    label_fr = models.CharField(_("libellé pour le personnel (français)"), max_length=120)
    label_en = models.CharField(
        _("libellé pour le personnel (anglais)"), max_length=120, blank=True
    )
    label = Localized()
    citizen_label_fr = models.CharField(_("libellé pour le citoyen (français)"), max_length=120)
    citizen_label_en = models.CharField(
        _("libellé pour le citoyen (anglais)"), max_length=120, blank=True
    )
    citizen_label = Localized()
    is_initial = models.BooleanField(_("état initial"), default=False)
    is_final = models.BooleanField(_("état final"), default=False)
    open311_status = models.CharField(
        _("statut Open311"), max_length=6, choices=Open311Status.choices, default=Open311Status.OPEN
    )
    sla_running = models.BooleanField(
        _("délai en cours"),
        default=True,
        help_text=_("Le délai de traitement court-il pendant que la requête est dans cet état ?"),
    )
    role = models.CharField(
        _("rôle"),
        max_length=20,
        choices=StateRole.choices,
        blank=True,
        help_text=_(
            "Ce que le système attend de cet état : la réouverture par le citoyen y mène "
            "(un état non final, atteint depuis un état final), le jumelage des doublons y "
            "mène (un état final). Un seul état par rôle dans un flux."
        ),
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("état")
        verbose_name_plural = _("états")
        ordering = ("workflow", "order", "pk")
        constraints = [
            models.UniqueConstraint(fields=["workflow", "code"], name="state_code_unique"),
            models.UniqueConstraint(
                fields=["workflow", "role"],
                condition=~models.Q(role=""),
                name="state_role_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Transition(models.Model):
    workflow = models.ForeignKey(
        Workflow, verbose_name=_("flux"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.ForeignKey(
        State, verbose_name=_("de l’état"), on_delete=models.CASCADE, related_name="transitions_out"
    )
    to_state = models.ForeignKey(
        State,
        verbose_name=_("vers l’état"),
        on_delete=models.CASCADE,
        related_name="transitions_in",
    )
    label_fr = models.CharField(_("action (français)"), max_length=120)
    label_en = models.CharField(_("action (anglais)"), max_length=120, blank=True)
    label = Localized()
    allowed_groups = models.ManyToManyField(
        Group,
        verbose_name=_("rôles autorisés"),
        blank=True,
        help_text=_("Les rôles du personnel qui peuvent déclencher cette action."),
    )
    citizen_may_fire = models.BooleanField(
        _("le citoyen peut la déclencher"),
        default=False,
        help_text=_("Par exemple, rouvrir sa propre requête."),
    )
    comment_required = models.BooleanField(_("commentaire obligatoire"), default=False)
    notify_citizen = models.BooleanField(_("aviser le citoyen"), default=True)
    takes_charge = models.BooleanField(
        _("prise en charge"),
        default=False,
        help_text=_(
            "Déclenchée aussi quand un agent s’attribue la requête (« Me l’attribuer ») "
            "depuis l’état de départ, en une seule étape."
        ),
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ("workflow", "order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["from_state", "to_state"], name="transition_from_to_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.from_state.label} → {self.to_state.label})"


# --- Request types -----------------------------------------------------------------------------


class RequestGroup(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_fr = models.CharField(_("nom (français)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120, blank=True)
    name = Localized()
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("groupe de types")
        verbose_name_plural = _("groupes de types")
        ordering = ("order", "name_fr")

    def __str__(self) -> str:
        return self.name


class Priority(models.IntegerChoices):
    LOW = 1, _("Basse")
    NORMAL = 2, _("Normale")
    HIGH = 3, _("Haute")
    URGENT = 4, _("Urgente")


class PublicVisibility(models.TextChoices):
    """What anyone (an anonymous caller, another citizen, a partner system) may see of the
    requests of a type: Open311 reads, duplicate suggestions, public maps."""

    HIDDEN = "hidden", _("Non publiées")
    WITHOUT_DESCRIPTION = "no_description", _("Publiées sans description")
    PUBLISHED = "published", _("Publiées")


class RequestType(TimeStampedModel):
    """What a citizen can ask for; an Open311 "service"."""

    code = models.SlugField(
        _("code"), max_length=50, unique=True, help_text=_("Le service_code Open311.")
    )
    name_fr = models.CharField(_("nom (français)"), max_length=150)
    name_en = models.CharField(_("nom (anglais)"), max_length=150, blank=True)
    name = Localized()
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    description = Localized()
    group = models.ForeignKey(
        RequestGroup, verbose_name=_("groupe"), on_delete=models.PROTECT, related_name="types"
    )
    keywords = models.CharField(
        _("mots-clés"),
        max_length=500,
        blank=True,
        help_text=_("Séparés par des virgules; servent à la recherche (les accents sont ignorés)."),
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("équipe responsable"),
        on_delete=models.PROTECT,
        related_name="request_types",
    )
    workflow = models.ForeignKey(
        Workflow,
        verbose_name=_("flux de travail"),
        on_delete=models.PROTECT,
        related_name="request_types",
        limit_choices_to={"is_active": True},
    )
    sla_hours = models.PositiveIntegerField(
        _("délai cible (heures)"),
        null=True,
        blank=True,
        help_text=_("Laisser vide s’il n’y a pas d’engagement de délai."),
    )
    default_priority = models.PositiveSmallIntegerField(
        _("priorité par défaut"), choices=Priority.choices, default=Priority.NORMAL
    )
    location_required = models.BooleanField(_("lieu obligatoire"), default=True)
    location_allowed = models.BooleanField(_("lieu accepté"), default=True)
    photos_allowed = models.BooleanField(_("photos acceptées"), default=True)
    is_active = models.BooleanField(_("offert aux citoyens"), default=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    # Privacy by default (Law 25, s. 63.7): a new type publishes nothing until an
    # administrator decides otherwise. The rule is applied in one place:
    # ``selectors.public_requests`` and ``selectors.request_public_view``.
    public_visibility = models.CharField(
        _("visibilité publique"),
        max_length=16,
        choices=PublicVisibility.choices,
        default=PublicVisibility.HIDDEN,
        help_text=_(
            "Ce que le flux public Open311, les suggestions de doublons et les cartes publiques "
            "montrent des requêtes de ce type. « Non publiées » par défaut (confidentialité par "
            "défaut, Loi 25). Même « Publiées », la description n’est montrée qu’une fois son "
            "résumé public approuvé par un agent ; les photos ne le sont qu’avec « Publiées »."
        ),
    )
    is_sensitive = models.BooleanField(
        _("type sensible"),
        default=False,
        help_text=_(
            "Plaintes de bruit, de stationnement, entre voisins… : les requêtes d’un type "
            "sensible ne sont jamais publiées, et leur position n’est montrée qu’arrondie "
            "(à environ 200 m) à quiconque n’est ni le demandeur ni le personnel."
        ),
    )

    class Meta:
        verbose_name = _("type de requête")
        verbose_name_plural = _("types de requête")
        ordering = ("group__order", "order", "name_fr")
        constraints = [
            # What clean() explains to the administrator, the database holds for every writer.
            models.CheckConstraint(
                condition=models.Q(is_sensitive=False)
                | models.Q(public_visibility=PublicVisibility.HIDDEN),
                name="request_type_sensitive_never_published",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.location_required and not self.location_allowed:
            raise ValidationError(
                {"location_allowed": _("Un lieu obligatoire doit aussi être accepté.")}
            )
        if self.workflow_id and not self.workflow.is_active:
            raise ValidationError(
                {"workflow": _("Ce flux de travail est un brouillon : activez-le d’abord.")}
            )
        if self.is_sensitive and self.public_visibility != PublicVisibility.HIDDEN:
            raise ValidationError(
                {
                    "public_visibility": _(
                        "Un type sensible n’est jamais publié : choisissez « Non publiées » ou "
                        "décochez « type sensible »."
                    )
                }
            )


class FieldDatatype(models.TextChoices):
    """The Open311 attribute datatypes, plus date for convenience."""

    STRING = "string", _("Texte court")
    TEXT = "text", _("Texte long")
    NUMBER = "number", _("Nombre")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date et heure")
    SINGLE = "singlevaluelist", _("Choix unique")
    MULTI = "multivaluelist", _("Choix multiples")


class RequestTypeField(models.Model):
    """A custom field of a request type; an Open311 service attribute."""

    request_type = models.ForeignKey(
        RequestType, verbose_name=_("type"), on_delete=models.CASCADE, related_name="fields"
    )
    code = models.SlugField(_("code"), max_length=50)
    label_fr = models.CharField(_("libellé (français)"), max_length=200)
    label_en = models.CharField(_("libellé (anglais)"), max_length=200, blank=True)
    label = Localized()
    help_fr = models.CharField(_("aide (français)"), max_length=300, blank=True)
    help_en = models.CharField(_("aide (anglais)"), max_length=300, blank=True)
    help = Localized()
    datatype = models.CharField(
        _("type de donnée"),
        max_length=20,
        choices=FieldDatatype.choices,
        default=FieldDatatype.STRING,
    )
    required = models.BooleanField(_("obligatoire"), default=False)
    order = models.PositiveSmallIntegerField(_("ordre"), default=1)
    choices = models.TextField(
        _("choix"),
        blank=True,
        help_text=_(
            "Pour les listes : un choix par ligne, sous la forme "
            "« code | libellé français | English label »."
        ),
    )

    class Meta:
        verbose_name = _("champ personnalisé")
        verbose_name_plural = _("champs personnalisés")
        ordering = ("request_type", "order", "pk")
        constraints = [
            models.UniqueConstraint(fields=["request_type", "code"], name="field_code_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_list(self) -> bool:
        return self.datatype in (FieldDatatype.SINGLE, FieldDatatype.MULTI)

    def parsed_choices(self) -> list[tuple[str, str, str]]:
        from .fields import parse_choices

        return parse_choices(self.choices)

    def clean(self) -> None:
        from .fields import clean_field_definition

        clean_field_definition(self)


# --- Requests ------------------------------------------------------------------------------------


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    MOBILE = "mobile", _("Application mobile")
    OPEN311 = "open311", _("Open311")
    PHONE = "phone", _("Téléphone")
    COUNTER = "counter", _("Comptoir")
    EMAIL = "email", _("Courriel")


# What the open-request indexes cover (see ServiceRequest.Meta).
OPEN = models.Q(closed_at__isnull=True)


# The generation of what the public feeds show (Open311's cached answers): bumped after any
# change to a request or an attachment (``apps.py`` watches saves and deletes; these
# QuerySets, bulk writes). The configuration's own generation covers types and states.
PUBLIC_REQUESTS_GENERATION = "public-requests"


class ServiceRequestQuerySet(ChangesQuerySet["ServiceRequest"]):
    generation_name = PUBLIC_REQUESTS_GENERATION


class AttachmentQuerySet(ChangesQuerySet["Attachment"]):
    generation_name = PUBLIC_REQUESTS_GENERATION


class ServiceRequest(TimeStampedModel):
    """A complaint or request from a citizen or a guest."""

    # (created_at DESC, id DESC) of migration 0004 serves every read by date.
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    # Unique through Meta.constraints, not unique=True: that would add a second,
    # pattern-ops index on PostgreSQL that no lookup uses.
    reference = models.CharField(_("référence"), max_length=16)
    request_type = models.ForeignKey(
        RequestType,
        verbose_name=_("type"),
        on_delete=models.PROTECT,
        related_name="requests",
        db_index=False,  # (request_type, -created_at) in Meta.indexes serves it
    )
    state = models.ForeignKey(
        State, verbose_name=_("état"), on_delete=models.PROTECT, related_name="requests"
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citoyen"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
        db_index=False,  # (citizen, -created_at) in Meta.indexes serves it
    )
    contact_name = models.CharField(_("nom du demandeur"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel du demandeur"), blank=True)
    contact_phone = models.CharField(_("téléphone du demandeur"), max_length=32, blank=True)
    language = models.CharField(_("langue"), max_length=2, default="fr")
    channel = models.CharField(
        _("canal"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    description = models.TextField(_("description"), blank=True)
    field_values = models.JSONField(_("champs"), default=dict, blank=True)
    address = models.ForeignKey(
        "places.Address",
        verbose_name=_("adresse"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
    )
    # True when the citizen dropped a pin and ``address`` is the registry address nearest it
    # (found once, at submission), not one she chose: shown as "près de …".
    address_is_nearest = models.BooleanField(_("adresse la plus proche du repère"), default=False)
    # The citizen's precision about the place ("Devant l'entrée, côté nord"), never the
    # address's label: ``place_label`` puts the two together.
    location_text = models.CharField(_("précision sur le lieu"), max_length=255, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    zones = models.ManyToManyField(
        "places.Zone", verbose_name=_("zones"), related_name="service_requests", blank=True
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("équipe"),
        on_delete=models.PROTECT,
        related_name="service_requests",
        db_index=False,  # (team, state, -created_at) in Meta.indexes serves it
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsable"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
        db_index=False,  # (assignee, -created_at) in Meta.indexes serves it
    )
    priority = models.PositiveSmallIntegerField(
        _("priorité"), choices=Priority.choices, default=Priority.NORMAL
    )
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("délai suspendu depuis"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("première réponse"), null=True, blank=True)
    closed_at = models.DateTimeField(_("fermée le"), null=True, blank=True)
    citizen_updated_at = models.DateTimeField(
        _("dernière intervention du citoyen"), null=True, blank=True
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("jumelée à"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_requests",
        db_index=False,  # a partial index in Meta.indexes: few requests are merged
    )
    rating = models.PositiveSmallIntegerField(_("satisfaction (1 à 5)"), null=True, blank=True)
    rating_comment = models.TextField(_("commentaire de satisfaction"), blank=True)
    rated_at = models.DateTimeField(_("évaluée le"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # What the public may read instead of the description (which is the citizen's own words,
    # never published): written or redacted by an agent and approved by them
    # (``service_request_approve_public_summary``). Empty approval: nothing is published.
    public_summary = models.TextField(_("résumé public"), blank=True)
    public_summary_approved_at = models.DateTimeField(
        _("résumé public approuvé le"), null=True, blank=True
    )
    public_summary_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("résumé public approuvé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Only guests' requests have one: a partial index in Meta.indexes.
    tracking_token_hash = models.CharField(max_length=64, blank=True)
    # The Open311 token handed to the partner on POST (random; only its hash is kept):
    # a partial index in Meta.indexes serves ``GET tokens/{token}``.
    open311_token_hash = models.CharField(max_length=64, blank=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Full-text search of the desk (PostgreSQL): kept current by a database trigger from the
    # description and contact fields (migration 0004), so no writer has to remember it.
    search_document = SearchVectorField(null=True, editable=False)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("requête")
        verbose_name_plural = _("requêtes")
        ordering = ("-created_at",)
        # Every index costs each submission and each change: one per way the requests are
        # read. "Open" is ``closed_at IS NULL`` (the workflow engine sets ``closed_at``
        # exactly when a request reaches a final state), so the indexes of open requests stay
        # small as closed ones pile up; lists are keyset paginated on (created_at, id), hence
        # the id. The desk's full-text index (a GIN on ``search_document``, PostgreSQL only)
        # is in migration 0004 with the trigger that fills the column.
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="service_request_reference_key")
        ]
        indexes = [
            models.Index(fields=["contact_email"], name="service_request_contact_email"),
            models.Index(
                fields=["tracking_token_hash"],
                condition=~models.Q(tracking_token_hash=""),
                name="service_request_tracking_token",
            ),
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="service_request_merged_into",
            ),
            models.Index(
                fields=["open311_token_hash"],
                condition=~models.Q(open311_token_hash=""),
                name="service_request_open311_token",
            ),
            models.Index(fields=["citizen", "-created_at"]),
            models.Index(fields=["team", "state", "-created_at"]),
            models.Index(fields=["assignee", "-created_at"]),
            models.Index(fields=["due_at"]),
            models.Index(fields=["request_type", "-created_at"]),
            # The desk's queues (desk.selectors.desk_queue) and its date-ordered search.
            models.Index(
                fields=["team", "-created_at", "-id"], condition=OPEN, name="desk_open_team_created"
            ),
            models.Index(
                fields=["team", "-created_at", "-id"],
                condition=OPEN & models.Q(assignee__isnull=True),
                name="desk_open_unassigned_created",
            ),
            # team_id included: "mine" is also limited to the agent's teams, and its capped
            # count then reads the index alone (PostgreSQL; SQLite has no covering indexes).
            models.Index(
                fields=["assignee", "-created_at", "-id"],
                include=["team"],
                condition=OPEN,
                name="desk_open_assignee_created",
            ),
            models.Index(
                fields=["team", "-priority", "-created_at", "-id"],
                condition=OPEN,
                name="desk_open_team_priority",
            ),
            models.Index(
                fields=["team", "due_at", "id"], condition=OPEN, name="desk_open_team_due"
            ),
            models.Index(
                fields=["team", "-citizen_updated_at", "-id"],
                condition=OPEN,
                name="desk_open_team_citizen",
            ),
            models.Index(fields=["-created_at", "-id"], name="desk_created_id"),
            models.Index(
                fields=["closed_at"],
                condition=models.Q(closed_at__isnull=False),
                name="desk_closed_at",
            ),
            # The citizen's open requests ("My requests", portal and API): most of a long-time
            # citizen's requests are closed; the closed and "all" lists use (citizen, -created_at).
            models.Index(
                fields=["citizen", "-created_at", "-id"], condition=OPEN, name="portal_citizen_open"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def place_label(self) -> str:
        """Where the request is, as every face shows it (see ``place_label``)."""
        return place_label(
            address=self.address.label if self.address_id and self.address else None,
            address_is_nearest=self.address_is_nearest,
            precision=self.location_text,
            latitude=self.latitude,
            longitude=self.longitude,
        )


# The columns ``place_label_of_values`` reads, for readers of ``.values()`` rows.
PLACE_VALUES = (
    "address_id",
    "address__civic_number",
    "address__civic_suffix",
    "address__street",
    "address__unit",
    "address__city",
    "address_is_nearest",
    "location_text",
    "latitude",
    "longitude",
)


def place_label_of_values(row: Any) -> str:
    """``place_label`` of a ``.values(*PLACE_VALUES)`` row."""
    from victo_crm.places.models import address_label

    return place_label(
        address=None
        if row["address_id"] is None
        else address_label(
            row["address__civic_number"],
            row["address__civic_suffix"],
            row["address__street"],
            row["address__unit"],
            row["address__city"],
        ),
        address_is_nearest=row["address_is_nearest"],
        precision=row["location_text"],
        latitude=row["latitude"],
        longitude=row["longitude"],
    )


def place_label(
    *,
    address: str | None,
    address_is_nearest: bool,
    precision: str,
    latitude: float | None,
    longitude: float | None,
) -> str:
    """A request's place, in the active language: the address (``address``, its label;
    "près de" the nearest one for a pin), or the pin's coordinates when no address is near,
    then the citizen's precision.

    The one description of a place: the portal, the desk (page, queue, export), canned
    responses, notification e-mails, the API and Open311 all show this text."""
    if address is not None:
        where = (
            gettext("près de %(address)s") % {"address": address} if address_is_nearest else address
        )
    elif latitude is not None and longitude is not None:
        where = gettext("repère sur la carte (%(lat).5f, %(lon).5f)") % {
            "lat": latitude,
            "lon": longitude,
        }
    else:
        where = ""
    precision = (precision or "").strip()
    if not precision:
        return where
    return f"{where} — {precision}" if where else precision


class AssignmentStrategy(models.TextChoices):
    TEAM_ONLY = "team", _("À l’équipe seulement")
    ROUND_ROBIN = "round_robin", _("À tour de rôle entre les agents")
    LEAST_LOADED = "least_loaded", _("À l’agent le moins chargé")


class AssignmentRule(TimeStampedModel):
    """Routes new requests to a team (and optionally an agent), without code.

    Rules are tried in order; the first whose conditions all hold wins. Empty conditions
    match everything. Without a matching rule the type's team takes the request.
    """

    name = models.CharField(_("nom"), max_length=120)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    request_type = models.ForeignKey(
        RequestType,
        verbose_name=_("type de requête"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    group = models.ForeignKey(
        RequestGroup,
        verbose_name=_("groupe de types"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    zone = models.ForeignKey(
        "places.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.CASCADE
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("équipe"), on_delete=models.CASCADE, related_name="+"
    )
    strategy = models.CharField(
        _("attribution"),
        max_length=20,
        choices=AssignmentStrategy.choices,
        default=AssignmentStrategy.TEAM_ONLY,
    )
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("règle d’attribution")
        verbose_name_plural = _("règles d’attribution")
        ordering = ("order", "pk")

    def __str__(self) -> str:
        return self.name


class RequestFollower(models.Model):
    """A citizen who follows a request they did not file (a duplicate they joined)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("abonné à une requête")
        verbose_name_plural = _("abonnés à une requête")
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="follower_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.request_id}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Requête reçue")
    TRANSITION = "transition", _("Changement d’état")
    ASSIGNMENT = "assignment", _("Attribution")
    PUBLIC_REPLY = "public_reply", _("Réponse au citoyen")
    INTERNAL_NOTE = "internal_note", _("Note interne")
    CITIZEN_COMMENT = "citizen_comment", _("Commentaire du citoyen")
    ATTACHMENT = "attachment", _("Pièce jointe")
    PRIORITY = "priority", _("Priorité")
    MERGE = "merge", _("Fusion")
    PUBLIC_SUMMARY = "public_summary", _("Résumé public")
    RECLASSIFIED = "reclassified", _("Reclassement")


class RequestEvent(models.Model):
    """One row per change to a request: its history and the citizen's timeline."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("requête"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # (request, created_at) in Meta.indexes serves it
    )
    kind = models.CharField(_("nature"), max_length=20, choices=EventKind.choices)
    is_public = models.BooleanField(_("visible du citoyen"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transition = models.ForeignKey(
        Transition, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    # A staff message is addressed to the requester unless the agent published it to the
    # followers too (a box left unticked by default): followers never read the requester's
    # words, nor words written for her.
    for_followers = models.BooleanField(
        _("publié aux abonnés"),
        default=False,
        help_text=_("Le message est aussi montré aux personnes qui suivent la requête."),
    )
    data = models.JSONField(_("détails"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ("created_at", "pk")
        indexes = [models.Index(fields=["request", "created_at"])]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def follower_message(self) -> str:
        """The words of this event a follower may read: a staff message the agent published
        to the followers, else nothing (a reopening reason, a comment or a reply to the
        requester stays hers). Every face and the follower notifications read it here."""
        if self.is_public and self.for_followers:  # only staff services set it
            return self.message
        return ""


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Names are random: the original name is kept in a field, never in a path.
    return f"requests/{instance.request.public_id}/{uuid.uuid4().hex}{_extension(instance)}"


def _public_path(instance: Attachment, filename: str) -> str:
    return f"requests/{instance.request.public_id}/public-{uuid.uuid4().hex}{_extension(instance)}"


def _extension(instance: Attachment) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}.get(
        instance.content_type, ""
    )


class Attachment(models.Model):
    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("requête"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    event = models.ForeignKey(
        RequestEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("fichier original"), upload_to=_attachment_path)
    public_file = models.FileField(
        _("copie publique"),
        upload_to=_public_path,
        blank=True,
        help_text=_("Réencodée sans métadonnées EXIF (dont la position GPS)."),
    )
    original_name = models.CharField(_("nom d’origine"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("taille (octets)"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_public = models.BooleanField(_("visible du citoyen"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return self.original_name


class ReferenceCounter(models.Model):
    """Per-year counter for human references on databases without sequences (SQLite)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur de références")
        verbose_name_plural = _("compteurs de références")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


def _upload_path(instance: Upload, filename: str) -> str:
    return f"uploads/{instance.public_id}/{uuid.uuid4().hex}"


class Upload(models.Model):
    """A photo received ahead of a submission — sent alone from the app, or kept from a portal
    form that was refused — owned by its sender, named by ``public_id`` in the submission and
    deleted once used (or when it expires, ``VICTO_RETENTION["pending_uploads"]``).

    The owner is an account, or for a guest the SHA-256 of a random key held in her session
    (``owner_key``): nobody else can name it (``service_requests.uploads``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pending_uploads",
    )
    owner_key = models.CharField(max_length=64, blank=True, db_index=True)
    file = models.FileField(_("fichier"), upload_to=_upload_path)
    original_name = models.CharField(_("nom d’origine"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("taille (octets)"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("photo téléversée")
        verbose_name_plural = _("photos téléversées")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner__isnull=False) | ~models.Q(owner_key=""),
                name="upload_has_an_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name
