"""Writes of the website: the site's skeleton (locales, home pages, site, editor
permissions, moderation workflow) and page publication."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from victo_crm.accounts import roles

from .models import HomePage

MODERATORS = "Moderators"  # Wagtail's own group name, kept so its documentation applies
WORKFLOW_NAME = "Approbation des modérateurs"

HOME_TASKS_FR: list[dict[str, Any]] = [
    {
        "title": "Faire une requête",
        "text": "Nid-de-poule, lampadaire, bac brisé…",
        "service": "request",
    },
    {
        "title": "Mes collectes",
        "text": "Vos jours de collecte selon votre adresse",
        "service": "collections",
    },
    {
        "title": "Payer mon compte de taxes",
        "text": "Échéances et modes de paiement",
        "slug": "payer-taxes",
    },
    {"title": "Permis", "text": "Construction, rénovation, piscine, arbre", "slug": "permis"},
    {"title": "Loisirs", "text": "Inscriptions, parcs, arénas, piscines", "slug": "loisirs"},
]
HOME_TASKS_EN: list[dict[str, Any]] = [
    {"title": "Make a request", "text": "Pothole, streetlight, broken bin…", "service": "request"},
    {
        "title": "My collection days",
        "text": "Your collection days by address",
        "service": "collections",
    },
    {"title": "Pay my tax bill", "text": "Due dates and ways to pay", "slug": "payer-taxes"},
    {"title": "Permits", "text": "Building, renovation, pool, tree", "slug": "permis"},
    {"title": "Recreation", "text": "Registration, parks, arenas, pools", "slug": "loisirs"},
]


def publish(page: Page, *, user: Any = None) -> Page:
    """Save a revision of the page and publish it (what "Publier" does in the CMS)."""
    if page.pk:
        # A revision carries the instance's tree fields; an instance loaded before children
        # were added would reset the parent's child count and hide them from routing.
        fresh = Page.objects.filter(pk=page.pk).values("path", "depth", "numchild").first()
        for name, value in (fresh or {}).items():
            setattr(page, name, value)
    revision = page.save_revision(user=user, log_action=True)
    revision.publish(user=user)
    page.refresh_from_db()
    return page


def _tasks_value(tasks: list[dict[str, Any]], home: Page) -> list[tuple[str, dict[str, Any]]]:
    value = []
    for task in tasks:
        page = None
        if task.get("slug"):
            page = Page.objects.descendant_of(home).filter(slug=task["slug"]).first()
        value.append(
            (
                "task",
                {
                    "title": task["title"],
                    "text": task["text"],
                    "service": task.get("service", ""),
                    "page": page,
                    "url": "",
                },
            )
        )
    return value


def website_home_tasks_set(*, home: HomePage, english: bool = False) -> None:
    """(Re)write the home page's top tasks, linking to pages that exist now."""
    french_home = (
        home if not english else home.get_translation(Locale.objects.get(language_code="fr"))
    )
    home.top_tasks = _tasks_value(HOME_TASKS_EN if english else HOME_TASKS_FR, french_home)
    publish(home)


@transaction.atomic
def website_setup() -> dict[str, Page]:
    """Make sure the site's skeleton exists; safe to run any number of times.

    Creates the French and English locales, the tree's root, a French home page serving
    "/" (replacing Wagtail's welcome page), its English translation under /en/, the site,
    the editors' and moderators' permissions and the moderation workflow.
    """
    french, _created = Locale.objects.get_or_create(language_code="fr")
    english, _created = Locale.objects.get_or_create(language_code="en")

    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=french))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")

    home = HomePage.objects.filter(locale=french).first()
    if home is None:
        home = HomePage(
            title="Accueil", slug="accueil", locale=french, heading="Que cherchez-vous?"
        )
        root.add_child(instance=home)
        publish(home)

    parts = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site(is_default_site=True)
    site.hostname = parts.hostname or "localhost"
    site.port = port
    site.root_page = home
    site.site_name = settings.WAGTAIL_SITE_NAME
    site.save()

    # Wagtail's "Welcome to your new Wagtail site!" page is not part of the town's site.
    for page in Page.objects.child_of(root).exclude(translation_key=home.translation_key):
        if page.specific_class is Page:
            page.delete()

    home_en = home.get_translation_or_none(english)
    if home_en is None:
        home_en = home.copy_for_translation(english)
        home_en.title = "Home"
        home_en.heading = "What are you looking for?"
        home_en.top_tasks = []
        publish(home_en)

    _editor_permissions(root)
    _moderation_workflow(root)
    return {"root": root, "home": home, "home_en": home_en}


def _page_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)


def _editor_permissions(root: Page) -> None:
    """Web editors write and submit; moderators also publish. Both work in the CMS."""
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    collection = Collection.get_first_root_node()
    grants = {
        roles.WEB_EDITOR: ("add_page", "change_page"),
        MODERATORS: ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"),
    }
    for group_name, codenames in grants.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        group.permissions.add(access_admin)
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=root, permission=_page_permission(codename)
            )
        for app_label, model in (("wagtailimages", "image"), ("wagtaildocs", "document")):
            for action in ("add", "change", "choose"):
                permission = Permission.objects.filter(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                ).first()
                if permission is not None:
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=collection, permission=permission
                    )


def _moderation_workflow(root: Page) -> None:
    """Wagtail's built-in workflow: one approval task for the Moderators group, on the
    whole tree."""
    moderators = Group.objects.get(name=MODERATORS)
    assigned = WorkflowPage.objects.filter(page=root).select_related("workflow").first()
    if assigned is not None and assigned.workflow.active:
        workflow = assigned.workflow
        if workflow.tasks.exists():
            return
    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first() or Workflow.objects.create(
        name=WORKFLOW_NAME, active=True
    )
    task = GroupApprovalTask.objects.filter(name=WORKFLOW_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=WORKFLOW_NAME)
        task.groups.set([moderators])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
