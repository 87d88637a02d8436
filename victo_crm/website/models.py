# Wagtail ships no type stubs: fields of Page subclasses cannot be inferred by django-stubs.
# mypy: disable-error-code="var-annotated"
"""Page types of the public website.

Every page type carries its own search text (accents folded, plurals reduced by
``website.search``) so that the database backend finds "collecte" in "Collectes et
matières résiduelles" on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BodyBlock, TaskBlock
from .search import normalise


def _text(value: Any) -> str:
    """Plain text of a rich text or StreamField value, for the search index."""
    if value is None:
        return ""
    if hasattr(value, "stream_block"):  # a StreamValue
        return " ".join(
            strip_tags(text) for text in value.stream_block.get_searchable_content(value)
        )
    return strip_tags(str(value))


class WebsitePage(Page):
    """What every page of the website shares: search keywords and the folded search text."""

    search_keywords = models.CharField(
        _("mots-clés de recherche"),
        max_length=300,
        blank=True,
        help_text=_(
            "Synonymes que les citoyens tapent (ex. « vidanges, poubelles »), séparés par "
            "des virgules. Les accents sont ignorés."
        ),
    )

    demo_content = models.BooleanField(
        _("texte de démonstration"),
        default=False,
        help_text=_("Affiche un avis « texte de démonstration » en haut de la page."),
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("search_title", boost=4),
        index.SearchField("search_body"),
        index.AutocompleteField("search_title"),
        index.FilterField("locale"),
    ]
    promote_panels = [
        *Page.promote_panels,
        FieldPanel("search_keywords"),
        FieldPanel("demo_content"),
    ]

    class Meta:
        abstract = True

    def plain_body(self) -> str:
        """The page's own text; each page type adds its fields."""
        return ""

    def search_title(self) -> str:
        return normalise(f"{self.title} {self.search_keywords}")

    def search_body(self) -> str:
        return normalise(f"{self.search_description} {self.plain_body()}")

    def summary(self) -> str:
        return self.search_description or ""

    def get_sitemap_urls(self, request: HttpRequest | None = None) -> list[dict[str, Any]]:
        """Each URL names its translations (hreflang), so search engines pair them."""
        urls = super().get_sitemap_urls(request)
        alternates = [
            {"lang_code": page.locale.language_code, "location": page.get_full_url(request)}
            for page in [self, *self.get_translations().live().select_related("locale")]
        ]
        if len(alternates) > 1:
            for url in urls:
                url["alternates"] = alternates
        return urls


class HomePage(WebsitePage):
    heading = models.CharField(
        _("titre de la boîte de recherche"),
        max_length=120,
        default="Que cherchez-vous?",
    )
    top_tasks = StreamField(
        [("task", TaskBlock())], verbose_name=_("tâches principales"), blank=True
    )

    content_panels = [*Page.content_panels, FieldPanel("heading"), FieldPanel("top_tasks")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "website.InformationPage",
        "website.DepartmentPage",
        "website.NewsIndexPage",
    ]

    class Meta:
        verbose_name = _("page d’accueil")
        verbose_name_plural = _("pages d’accueil")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from .selectors import latest_news

        context = super().get_context(request, *args, **kwargs)
        context["news"] = latest_news(locale=self.locale, limit=3)
        return context


class DepartmentPage(WebsitePage):
    intro = models.TextField(_("présentation"), blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    hours = RichTextField(_("heures d’ouverture"), blank=True, features=["bold", "ul", "link"])
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("address"), FieldPanel("phone"), FieldPanel("email"), FieldPanel("hours")],
            heading=_("Pour nous joindre"),
        ),
        FieldPanel("body"),
    ]
    subpage_types = ["website.InformationPage"]

    class Meta:
        verbose_name = _("page de service municipal")
        verbose_name_plural = _("pages de service municipal")

    def plain_body(self) -> str:
        return " ".join([self.intro, _text(self.hours), _text(self.body)])

    def summary(self) -> str:
        return self.search_description or self.intro


class InformationPage(WebsitePage):
    """An answer to one question a citizen has, in the same structured sections everywhere."""

    intro = models.TextField(_("en bref"), help_text=_("Une ou deux phrases: l’essentiel."))
    who = RichTextField(
        _("qui est concerné"), blank=True, features=["bold", "italic", "ul", "link"]
    )
    steps = RichTextField(
        _("étapes"), blank=True, features=["bold", "italic", "ol", "ul", "link", "document-link"]
    )
    costs = RichTextField(_("coûts"), blank=True, features=["bold", "italic", "ul", "link"])
    documents = RichTextField(
        _("documents requis"),
        blank=True,
        features=["bold", "italic", "ul", "link", "document-link"],
    )
    body = StreamField(BodyBlock(), verbose_name=_("autres renseignements"), blank=True)
    request_types = ParentalManyToManyField(
        "service_requests.RequestType",
        verbose_name=_("requêtes en ligne liées"),
        blank=True,
        related_name="+",
        help_text=_("Chaque requête choisie ouvre le formulaire du portail, déjà rempli."),
    )
    online_service = models.CharField(
        _("outil en ligne"),
        max_length=30,
        blank=True,
        choices=[("collections", _("Mes collectes (jours de collecte par adresse)"))],
        help_text=_("Un bouton vers un outil en ligne, affiché en haut de la page."),
    )
    department = models.ForeignKey(
        "website.DepartmentPage",
        verbose_name=_("service responsable"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("who"),
        FieldPanel("steps"),
        FieldPanel("costs"),
        FieldPanel("documents"),
        FieldPanel("body"),
        FieldPanel("request_types"),
        FieldPanel("online_service"),
        FieldPanel("department"),
    ]
    subpage_types = ["website.InformationPage"]

    class Meta:
        verbose_name = _("page d’information")
        verbose_name_plural = _("pages d’information")

    def plain_body(self) -> str:
        return " ".join(
            [
                self.intro,
                _text(self.who),
                _text(self.steps),
                _text(self.costs),
                _text(self.documents),
                _text(self.body),
            ]
        )

    def summary(self) -> str:
        return self.search_description or self.intro


class NewsIndexPage(WebsitePage):
    intro = models.TextField(_("présentation"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["website.NewsPage"]

    class Meta:
        verbose_name = _("liste des actualités")
        verbose_name_plural = _("listes des actualités")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from django.core.paginator import Paginator

        context = super().get_context(request, *args, **kwargs)
        news = NewsPage.objects.child_of(self).live().public().order_by("-date", "-pk")
        context["news"] = Paginator(news, 12).get_page(request.GET.get("page"))
        return context


class NewsPage(WebsitePage):
    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.TextField(_("chapeau"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("texte"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    parent_page_types = ["website.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")

    def plain_body(self) -> str:
        return " ".join([self.intro, _text(self.body)])

    def summary(self) -> str:
        return self.search_description or self.intro
