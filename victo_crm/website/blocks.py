"""StreamField blocks of the website's pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class TaskBlock(blocks.StructBlock):
    """One of the top tasks on the home page: a short label that leads straight to it."""

    title = blocks.CharBlock(label=_("libellé"), max_length=60)
    text = blocks.CharBlock(label=_("précision"), max_length=140, required=False)
    service = blocks.ChoiceBlock(
        label=_("service en ligne"),
        required=False,
        choices=[
            ("request", _("Faire une requête (portail citoyen)")),
            ("collections", _("Mes collectes (calendrier par adresse)")),
        ],
        help_text=_("Laisser vide pour pointer vers une page ou une adresse Web."),
    )
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.CharBlock(label=_("adresse Web"), required=False, max_length=300)

    class Meta:
        icon = "pick"
        label = _("tâche principale")
        template = "website/blocks/task.html"


class NoticeBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("genre"),
        choices=[("info", _("Information")), ("warning", _("Attention"))],
        default="info",
    )
    text = blocks.RichTextBlock(label=_("texte"), features=["bold", "italic", "link"])

    class Meta:
        icon = "warning"
        label = _("encadré")
        template = "website/blocks/notice.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("intertitre"), form_classname="title", template="website/blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(
        label=_("paragraphe"),
        features=["h3", "bold", "italic", "ol", "ul", "link", "document-link"],
    )
    notice = NoticeBlock()

    class Meta:
        label = _("contenu")
