"""Load Victoriaville's demonstration data and print the demo accounts.

Each step belongs to the app that owns the data (``<app>.demo``) and is idempotent, so the
command can run again at any time without duplicating anything. A step whose module or
function does not exist (yet) is skipped with a warning: the command works at every stage
of the project.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence, Sized
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Step:
    label: Promise
    module: str
    function: str
    count: Promise  # what the loader's result counts, as in "6 équipe(s)"

    @property
    def path(self) -> str:
        return f"{self.module}.{self.function}()"


# The order matters: teams and places before the catalogue (types name a team), places
# before accounts (citizens get an address), everything before the sample requests.
STEPS = (
    Step(
        gettext_lazy("Lieux"),
        "victo_crm.places.demo",
        "load_demo_places",
        gettext_lazy("%(count)d élément(s)"),
    ),
    Step(
        gettext_lazy("Équipes"),
        "victo_crm.accounts.demo",
        "load_demo_teams",
        gettext_lazy("%(count)d équipe(s)"),
    ),
    Step(
        gettext_lazy("Catalogue"),
        "victo_crm.service_requests.demo",
        "load_demo_catalogue",
        gettext_lazy("%(count)d type(s) de requête"),
    ),
    Step(
        gettext_lazy("Alertes et collectes"),
        "victo_crm.alerts.demo",
        "load_demo_alerts",
        gettext_lazy("%(count)d calendrier(s) de collecte"),
    ),
    Step(
        gettext_lazy("Site Web"),
        "victo_crm.website.demo",
        "load_demo_website",
        gettext_lazy("%(count)d page(s)"),
    ),
    Step(
        gettext_lazy("Comptes"),
        "victo_crm.accounts.demo",
        "load_demo_accounts",
        gettext_lazy("%(count)d compte(s)"),
    ),
    Step(
        gettext_lazy("Requêtes (historique)"),
        "victo_crm.desk.demo",
        "load_demo_history",
        gettext_lazy("%(count)d requête(s)"),
    ),
)
ACCOUNTS_FUNCTION = "load_demo_accounts"


def resolve(step: Step) -> Callable[..., Any] | None:
    """The step's loader, or None when its module or function does not exist."""
    try:
        module = importlib.import_module(step.module)
    except ModuleNotFoundError as error:
        # Only the demo module (or its app) being absent means "not written yet"; a module
        # that exists but imports something missing is a bug and must fail loudly.
        missing = error.name or ""
        if missing == step.module or step.module.startswith(missing + "."):
            return None
        raise
    loader = getattr(module, step.function, None)
    return loader if callable(loader) else None


ITEMS = gettext_lazy("%(count)d élément(s)")


def describe(result: Any, count: Promise | str = ITEMS) -> str:
    """A short summary of what a loader returned, in the active language."""
    if result is None or isinstance(result, bool):
        return _("fait")
    if isinstance(result, int):
        return str(count) % {"count": result}
    if isinstance(result, str):
        return result
    if (
        isinstance(result, Mapping)
        and result
        and all(isinstance(value, int) and not isinstance(value, bool) for value in result.values())
    ):
        return ", ".join(
            _("%(name)s : %(value)s") % {"name": key, "value": value}
            for key, value in result.items()
        )
    if isinstance(result, Sized):
        return str(count) % {"count": len(result)}
    return _("fait")


def run_loader(loader: Callable[..., Any], report: list[str]) -> Any:
    """Call ``loader``, collecting its report lines when it accepts a ``stdout``."""
    if "stdout" in inspect.signature(loader).parameters:
        return loader(stdout=_LineCollector(report))
    return loader()


class _LineCollector:
    """A minimal text stream that keeps the lines written to it."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line.strip())
        return len(text)

    def flush(self) -> None:
        pass


def accounts_table(rows: Sequence[Sequence[str]]) -> list[str]:
    headers = (_("Rôle"), _("Courriel"), _("Mot de passe"))
    table = [tuple(str(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in (headers, *table)) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    return [line(headers), line(["-" * width for width in widths])] + [line(r) for r in table]


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (lieux, équipes, catalogue, comptes, requêtes) "
        "et affiche les comptes de démonstration. Peut être relancée sans créer de doublons. "
        "Loads the demonstration data; --language en prints its report in English."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Accepter de charger la démo avec les réglages de production (déconseillé).",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="La langue du compte rendu (fr par défaut) / the report's language.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The operator's language, not the machine's locale: French unless asked otherwise.
        with translation.override(options["language"]):
            self._load(options)

    def _load(self, options: dict[str, Any]) -> None:
        verbose = options["verbosity"] >= 1
        settings_module = getattr(settings, "SETTINGS_MODULE", "") or ""
        if settings_module.endswith(".production") and not options["allow_production"]:
            # The demo accounts have published passwords: never on a server with real data.
            raise CommandError(
                "Refusé : les comptes de démonstration ont des mots de passe publics. "
                "Ajoutez --allow-production seulement sur un serveur de démonstration."
            )

        accounts: Sequence[Sequence[str]] | None = None
        if verbose:
            self.stdout.write(_("Chargement des données de démonstration"))
        current: Step | None = None
        # Tasks run eagerly in the embedded setup: the demo history's commit would log one
        # "Task … succeeded" line per delivery task (hundreds); the summary below says enough.
        task_log = logging.getLogger("celery.app.trace")
        task_level = task_log.level
        task_log.setLevel(logging.WARNING)
        try:
            with transaction.atomic():
                for step in STEPS:
                    current = step
                    loader = resolve(step)
                    if loader is None:
                        self.stdout.write(
                            self.style.WARNING(
                                "  ! "
                                + _("%(step)s : %(path)s n’existe pas encore; étape sautée.")
                                % {"step": step.label, "path": step.path}
                            )
                        )
                        continue
                    report: list[str] = []
                    result = run_loader(loader, report)
                    if step.function == ACCOUNTS_FUNCTION:
                        accounts = list(result or [])
                    if not verbose:
                        continue
                    if report:
                        self.stdout.write("  " + _("%(step)s :") % {"step": step.label})
                        for text in report:
                            self.stdout.write(f"      {text}")
                    else:
                        self.stdout.write(
                            "  "
                            + _("%(step)s : %(done)s")
                            % {"step": step.label, "done": describe(result, step.count)}
                        )
        except Exception:
            label = str(current.label) if current else "?"
            self.stderr.write(
                self.style.ERROR(
                    _("Échec à l’étape « %(step)s » : rien n’a été enregistré (voir l’erreur).")
                    % {"step": label}
                )
            )
            raise
        finally:
            task_log.setLevel(task_level)

        if not verbose:
            return
        self.stdout.write(self.style.SUCCESS(_("Données de démonstration à jour.")))
        if accounts:
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(_("Comptes de démonstration")))
            for text in accounts_table(accounts):
                self.stdout.write(f"  {text}")
            site = str(getattr(settings, "SITE_URL", "http://127.0.0.1:8000")).rstrip("/")
            self.stdout.write("")
            self.stdout.write(
                "  "
                + _("Site : %(site)s/   Administration (personnel) : %(site)s/admin/")
                % {"site": site}
            )
            self.stdout.write(
                "  "
                + _(
                    "Le personnel active la vérification en deux étapes à sa première connexion "
                    "(une application d’authentification sur le téléphone, puis des codes de "
                    "récupération)."
                )
            )
