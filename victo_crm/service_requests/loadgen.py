"""Realistic load data, fast: up to millions of requests for benchmarks and rehearsals.

What is written is history that already happened: requests that went through their
workflow, the events a real desk would have left, and the citizens who filed them. It
bypasses the service layer on purpose (one ``service_request_submit`` per request would
take hours for a million), so it keeps by itself what the services guarantee:

- references follow each year's sequence: the numbers are reserved *before* anything is
  written (``nextval`` on PostgreSQL, ``ReferenceCounter`` elsewhere), so a request
  submitted during or after the load never collides with a generated one;
- every state change is a transition of the type's workflow, and the SLA clock, the
  closing date and the first response move the way ``service_request_transition`` moves
  them;
- field values are valid for their type (``validate_field_values`` accepts each of them);
- no outbox row is written: this history was delivered long ago.

On PostgreSQL rows are built in worker processes and written with COPY, one transaction
per chunk of requests (a failed run leaves whole chunks, never half a request). Elsewhere
(SQLite, for the tests) the same rows are inserted in batches, in one transaction.
"""

from __future__ import annotations

import bisect
import json
import multiprocessing
import os
import random
import time
import unicodedata
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, models, transaction
from django.utils import timezone

from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.places.geometry import ZoneIndex
from victo_crm.places.models import Address, Zone, ZoneKind

from .models import (
    Channel,
    EventKind,
    FieldDatatype,
    ReferenceCounter,
    RequestEvent,
    RequestType,
    ServiceRequest,
    State,
    Transition,
)
from .references import ensure_sequence, format_reference

DEFAULT_YEARS = (2024, 2025, 2026)
POSTGRES_BATCH = 20_000
OTHER_BATCH = 1_000
MAX_PATH = 6
HOUR_RANGE = range(24)
UUID4_MASK = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
UUID4_BITS = (0x4000 << 64) | (0x8000 << 48)
NULL = "\\N"
TOWN_CENTRE = (46.057, -71.958)  # Victoriaville, used only when the registry is empty


class LoadDataError(Exception):
    """The database is not ready for a load (no catalogue, a year in the future, …)."""


@dataclass(frozen=True)
class LoadReport:
    requests: int
    events: int
    citizens: int
    zone_links: int
    seconds: float
    workers: int
    seed: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        per_request = self.events / self.requests if self.requests else 0.0
        return [
            f"Requêtes : {_n(self.requests)}  événements : {_n(self.events)} "
            f"({per_request:.2f} par requête)  citoyens : {_n(self.citizens)}  "
            f"liens de zones : {_n(self.zone_links)}",
            f"Durée : {self.seconds:.1f} s  —  {_n(self.requests_per_second)} requêtes/s, "
            f"{_n(self.events_per_second)} événements/s  "
            f"(processus de génération : {self.workers}, graine : {self.seed})",
        ]


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


# --- What real requests look like --------------------------------------------------------
# Keyed by the codes of the demo catalogue; a type an administrator added gets the defaults.
# (relative volume, weight of each month from January to December)
FLAT = (1.0,) * 12
TYPE_HINTS: dict[str, tuple[float, tuple[float, ...]]] = {
    "nid-de-poule": (14, (3, 4, 9, 12, 9, 4, 3, 3, 3, 4, 4, 3)),
    "trottoir-endommage": (4, (2, 2, 4, 7, 7, 5, 4, 4, 4, 4, 3, 2)),
    "deneigement": (13, (12, 11, 6, 1, 0, 0, 0, 0, 0, 0.2, 3, 10)),
    "lampadaire-defectueux": (6, (6, 5, 4, 3, 3, 2, 2, 3, 4, 5, 6, 6)),
    "animal-mort": (3, (2, 2, 3, 5, 6, 6, 6, 6, 6, 6, 4, 2)),
    "signalisation": (4, (5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 5)),
    "feu-de-circulation": (2, FLAT),
    "stationnement-illegal": (6, (6, 6, 5, 4, 4, 4, 4, 4, 4, 4, 5, 6)),
    "bac-brise": (5, (5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 5)),
    "collecte-manquee": (9, (6, 4, 4, 5, 5, 5, 6, 5, 5, 5, 4, 5)),
    "depot-sauvage": (4, (2, 2, 3, 5, 6, 7, 12, 6, 5, 5, 3, 2)),
    "fuite-eau": (3, (6, 6, 6, 5, 3, 3, 3, 3, 3, 3, 4, 5)),
    "egout-refoule": (2, (2, 2, 6, 8, 5, 5, 6, 5, 4, 4, 3, 2)),
    "qualite-eau": (2, FLAT),
    "arbre-dangereux": (3, (2, 2, 2, 3, 5, 6, 7, 7, 5, 5, 4, 2)),
    "parc-equipement-brise": (3, (0.5, 0.5, 1, 3, 7, 9, 10, 9, 6, 3, 1, 0.5)),
    "nuisance-sonore": (4, (2, 2, 2, 3, 5, 8, 10, 9, 5, 3, 2, 2)),
    "graffiti": (2, (1, 1, 2, 4, 6, 7, 7, 7, 6, 4, 2, 1)),
    "terrain-mal-entretenu": (2, (0.5, 0.5, 1, 3, 6, 9, 10, 9, 5, 2, 1, 0.5)),
    "permis-question": (5, (3, 4, 7, 10, 10, 8, 6, 5, 5, 4, 3, 2)),
    "plainte-generale": (4, FLAT),
}
DEFAULT_HINT = (2.0, FLAT)
# A snowstorm multiplies these types for a day or two.
STORM_FACTORS = {
    "deneigement": 6.0,
    "stationnement-illegal": 2.0,
    "feu-de-circulation": 1.5,
    "lampadaire-defectueux": 1.3,
}
STORMS_PER_WINTER = 9
WEEKDAY_FACTORS = (1.15, 1.05, 1.0, 1.0, 0.9, 0.6, 0.55)
YEARLY_GROWTH = 0.08  # the portal and the app bring a few more requests every year

# Final states: how often a request ends there. The heaviest is the usual outcome.
FINAL_WEIGHTS = {"resolue": 80.0, "fermee-sans-suite": 12.0, "doublon": 8.0}
DEFAULT_FINAL_WEIGHT = 10.0
# How many transitions it takes to get there (the usual outcome, then the others).
USUAL_LENGTHS = {1: 0.42, 2: 0.48, 3: 0.08, 4: 0.02}
OTHER_LENGTHS = {1: 0.75, 2: 0.22, 3: 0.03}
# Entering these states means an agent has the request in hand.
ASSIGNED_STATES = {"assignee", "en-cours"}
DUPLICATE_STATES = {"doublon"}

CHANNELS = (
    Channel.WEB.value,
    Channel.MOBILE.value,
    Channel.PHONE.value,
    Channel.COUNTER.value,
    Channel.OPEN311.value,
)
# (weekday mix, weekend mix) in the order of CHANNELS; the app gains 4 points a year.
CHANNEL_MIX = ((0.40, 0.22, 0.25, 0.05, 0.08), (0.55, 0.35, 0.0, 0.0, 0.10))
MOBILE_GROWTH = 0.04
ACCOUNT_SHARE: dict[str, float] = {
    Channel.WEB.value: 0.88,
    Channel.MOBILE.value: 0.97,
    Channel.PHONE.value: 0.5,
    Channel.COUNTER.value: 0.5,
    Channel.OPEN311.value: 0.0,
}
HOURS_ONLINE = (1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 6, 5, 5, 6, 6, 5, 3, 2)
HOURS_OFFICE = (0,) * 8 + (8, 9, 9, 7, 6, 8, 8, 7, 2) + (0,) * 7
HOURS: dict[str, tuple[float, ...]] = {
    Channel.WEB.value: HOURS_ONLINE,
    Channel.MOBILE.value: HOURS_ONLINE,
    Channel.OPEN311.value: HOURS_ONLINE,
    Channel.PHONE.value: HOURS_OFFICE,
    Channel.COUNTER.value: HOURS_OFFICE,
}

# --- French text ---------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES_F = _words(
    "Marie Julie Isabelle Nathalie Sophie Catherine Mélanie Stéphanie Geneviève Valérie "
    "Annie Chantal Sylvie Josée Manon Caroline Véronique Karine Émilie Audrey Camille Léa "
    "Chloé Florence Rosalie Alice Béatrice Jacinthe Lise Francine Louise Diane Nicole Ginette "
    "Johanne Marie-Ève Marie-Claude Anne-Marie Maude Noémie"
)
FIRST_NAMES_M = _words(
    "Jean Pierre Michel André Luc Marc Daniel Alain Denis Sylvain Stéphane Martin Patrick "
    "Éric François Sébastien Mathieu Maxime Alexandre Simon Guillaume Jonathan Vincent "
    "Olivier Gabriel Samuel William Félix Louis Nathan Réjean Gilles Normand Yvon Gaétan "
    "Jean-François Marc-André Jean-Philippe Pier-Luc Benoît"
)
LAST_NAMES = _words(
    "Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet Pelletier "
    "Bélanger Lévesque Bergeron Leblanc Paquette Girard Simard Boucher Caron Beaulieu "
    "Cloutier Dubé Poirier Fournier Lapointe Leclerc Lefebvre Poulin Thibault St-Pierre "
    "Nadeau Martin Landry Martel Bédard Grenier Lessard Bernier Richard Michaud Hébert "
    "Desjardins Couture Turcotte Lachance Parent Blais Gosselin Savard Proulx Beaudoin "
    "Demers Perreault Boudreau Lemieux Cyr Perron Dufour Dion Mercier Bolduc Bérubé Boisvert "
    "Langlois Ménard Laplante Vachon Allard Champagne Houle Rousseau Fréchette Pinard Houde "
    "Lampron Baril Desrochers Provencher Lemay Comeau"
)
FIRST_NAMES_EN = _words("John Michael David James Robert Sarah Jennifer Emily Jessica Mary")
LAST_NAMES_EN = _words("Smith Johnson Brown Wilson Taylor Campbell Stewart Anderson Murray")
ENGLISH_SHARE = 0.08
FIRST_NAMES = FIRST_NAMES_F + FIRST_NAMES_M

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "nid-de-poule": (
        "Gros nid-de-poule {lieu}. Les voitures doivent faire un écart pour l’éviter.",
        "Il y a un trou dans la chaussée {lieu} depuis {depuis}, il s’agrandit à chaque pluie.",
        "Plusieurs nids-de-poule {lieu}, dangereux pour les cyclistes.",
    ),
    "trottoir-endommage": (
        "Dalle de trottoir soulevée {lieu}, ma mère a failli trébucher.",
        "Le trottoir est fissuré et affaissé {lieu}.",
    ),
    "deneigement": (
        "La rue n’a pas été déneigée {lieu} depuis la dernière tempête.",
        "Le trottoir est glacé {lieu}, impossible de marcher sans tomber.",
        "Banc de neige trop haut au coin {lieu}, on ne voit pas les autos arriver.",
        "La souffleuse a brisé ma boîte aux lettres {lieu}.",
    ),
    "lampadaire-defectueux": (
        "Le lampadaire {lieu} est éteint depuis {depuis}, la rue est très sombre.",
        "Lampadaire qui clignote toute la nuit {lieu}.",
    ),
    "animal-mort": (
        "Un raton laveur mort sur la chaussée {lieu}.",
        "Chat mort au bord du trottoir {lieu}, merci de le ramasser.",
    ),
    "signalisation": (
        "Le panneau d’arrêt est plié {lieu}, on ne le voit presque plus.",
        "Panneau tombé par terre {lieu} depuis {depuis}.",
    ),
    "feu-de-circulation": (
        "Le feu de circulation est bloqué au rouge {lieu}.",
        "Les feux clignotent à l’intersection {lieu}, c’est dangereux à l’heure de pointe.",
    ),
    "stationnement-illegal": (
        "Une voiture bloque mon entrée de garage {lieu}.",
        "Véhicule stationné dans la rue la nuit {lieu} malgré l’interdiction hivernale.",
    ),
    "bac-brise": (
        "Mon bac a été brisé par le camion lors de la dernière collecte.",
        "Le couvercle de mon bac est arraché, les animaux fouillent dedans.",
    ),
    "collecte-manquee": (
        "La collecte n’a pas été faite cette semaine {lieu}; le bac était au chemin à 7 h.",
        "Le camion est passé mais n’a pas vidé nos bacs {lieu}.",
    ),
    "depot-sauvage": (
        "Quelqu’un a laissé un vieux matelas et des sacs de déchets {lieu}.",
        "Dépôt sauvage de matériaux de construction {lieu} depuis {depuis}.",
    ),
    "fuite-eau": (
        "De l’eau sort de la chaussée {lieu}, ça coule jusque dans la rue.",
        "Fuite d’eau près de la borne d’incendie {lieu}.",
    ),
    "egout-refoule": (
        "L’égout a refoulé dans notre sous-sol pendant la nuit.",
        "Grille d’égout bouchée {lieu}, la rue est inondée quand il pleut.",
    ),
    "qualite-eau": (
        "L’eau du robinet est brune depuis ce matin.",
        "Notre eau a un goût de chlore très fort depuis {depuis}.",
    ),
    "arbre-dangereux": (
        "Une grosse branche menace de tomber sur le trottoir {lieu}.",
        "Arbre de la Ville penché après le vent d’hier {lieu}.",
    ),
    "parc-equipement-brise": (
        "La balançoire est brisée au parc {lieu}.",
        "Le jeu d’eau du parc ne fonctionne plus depuis {depuis}.",
    ),
    "nuisance-sonore": (
        "Musique forte tous les soirs après 23 h {lieu}.",
        "Bruit de chantier très tôt le matin {lieu}, bien avant 7 h.",
    ),
    "graffiti": (
        "Graffitis sur le mur du bâtiment {lieu}.",
        "Tags sur le mobilier urbain {lieu}, certains sont offensants.",
    ),
    "terrain-mal-entretenu": (
        "Le terrain voisin n’est pas entretenu {lieu} : herbe haute et déchets.",
        "Maison abandonnée {lieu}, la piscine n’est pas clôturée.",
    ),
    "permis-question": (
        "Ai-je besoin d’un permis pour installer une clôture dans ma cour ?",
        "Je veux construire un cabanon cet été : quelles distances dois-je respecter ?",
        "Comment faire pour abattre un frêne malade sur mon terrain ?",
    ),
    "plainte-generale": (
        "Bravo aux employés pour le travail fait lors du dernier déneigement.",
        "Je ne suis pas satisfait du délai de traitement de ma dernière demande.",
        "Suggestion : ajouter des bancs le long de la piste cyclable.",
    ),
}
GENERIC_DESCRIPTIONS = (
    "Bonjour, je signale un problème ({type}) {lieu}. Merci de faire le suivi.",
    "Problème constaté {lieu} depuis {depuis}. Pouvez-vous intervenir ?",
)
NEAR_ADDRESS = ("devant le {n}, {rue}", "près du {n}, {rue}", "en face du {n}, {rue}")
NO_ADDRESS = ("près de chez moi", "dans ma rue", "à l’endroit indiqué sur la carte")
SINCE = ("hier", "deux jours", "quelques jours", "une semaine", "deux semaines", "un mois")
REPLIES = (
    "Merci pour votre signalement. Une équipe ira vérifier sur place dans les prochains jours.",
    "Votre demande a été transmise au contremaître du secteur.",
    "Les travaux sont planifiés; nous vous aviserons lorsqu’ils seront terminés.",
    "Pouvez-vous nous préciser l’endroit exact ? Une photo nous aiderait beaucoup.",
    "La situation a été corrigée ce matin. Merci de votre patience.",
)
NOTES = (
    "Bon de travail créé.",
    "Vérifié sur place : réparation temporaire faite, réparation permanente à prévoir.",
    "Appel au citoyen, pas de réponse; message laissé.",
    "À regrouper avec les autres signalements du secteur.",
    "Sous-traitant avisé, intervention prévue cette semaine.",
)
CITIZEN_COMMENTS = (
    "Le problème est toujours là ce matin.",
    "Merci pour la réponse rapide !",
    "Y a-t-il du nouveau dans mon dossier ?",
)
COMMENTS = {
    "fermee-sans-suite": (
        "Situé sur un terrain privé : ne relève pas de la Ville.",
        "Aucun problème constaté lors de la visite.",
        "Route provinciale : demande transmise au ministère des Transports.",
    ),
    "doublon": ("Déjà signalé par un autre citoyen.",),
    "rouverte": (
        "Le problème est revenu, selon le citoyen.",
        "Réparation insuffisante : à reprendre.",
    ),
    "resolue": ("Réparé.", "Travaux terminés.", "Nettoyé par l’équipe des travaux publics."),
}
GENERIC_COMMENTS = ("Voir la note au dossier.",)
RATING_COMMENTS = (
    "Service rapide, merci !",
    "Réglé, mais après plusieurs semaines.",
    "Très satisfait.",
    "Personne ne m’a rappelé.",
)
SHORT_TEXTS = ("Voir la description.", "Près de l’entrée principale.", "Côté nord de la rue.")
LONG_TEXTS = (
    "Tous les soirs de la semaine, surtout vers minuit.",
    "C’est la deuxième fois que je le signale.",
    "Le problème s’aggrave depuis quelques jours.",
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(c for c in plain.replace(" ", "-") if c.isalnum() or c == "-")


FOLDED = {
    name: _fold(name) for name in (*FIRST_NAMES, *LAST_NAMES, *FIRST_NAMES_EN, *LAST_NAMES_EN)
}


# --- A snapshot of the configuration ----------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    transition_id: int
    from_id: int
    to_id: int
    comment_required: bool
    citizen_may_fire: bool


@dataclass
class _Flow:
    """A workflow as the generator walks it."""

    initial_id: int
    codes: dict[int, str]
    final: dict[int, bool]
    sla_running: dict[int, bool]
    paths: list[tuple[_Step, ...]]
    path_cum: list[float]
    usual_final: int | None
    reopen: dict[int, list[_Step]]
    finish: dict[int, tuple[_Step, ...]]


FieldMaker = Callable[[random.Random, int], Any]


@dataclass
class _Type:
    pk: int
    code: str
    name: str
    team_id: int
    workflow_id: int
    sla_hours: int | None
    priority: int
    location_required: bool
    location_allowed: bool
    fields: list[tuple[str, bool, FieldMaker]]
    weight: float
    months: tuple[float, ...]


@dataclass(frozen=True)
class _Place:
    address_id: int | None
    latitude: float
    longitude: float
    label: str
    number: str
    street: str
    zone_ids: tuple[int, ...]


@dataclass(frozen=True)
class _Day:
    start: int  # epoch seconds of local midnight
    length: int  # seconds in that day (23 or 25 h when the clock changes; cut at now today)
    year: int
    month: int
    weekday: int


@dataclass(frozen=True)
class _Chunk:
    index: int
    seed: int
    first_day: int
    end_day: int
    offset: int  # of its first request among all the run's requests
    count: int
    ref_offsets: tuple[tuple[int, int], ...]  # (year, index of its first number that year)


@dataclass
class _Citizens:
    ids: list[int] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)  # ascending
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    homes: list[int] = field(default_factory=list)  # index in places, -1 without an address


@dataclass
class _Context:
    tz: ZoneInfo
    now: int
    first_year: int
    types: list[_Type]
    flows: dict[int, _Flow]
    staff: dict[int, tuple[int, ...]]
    any_staff: tuple[int, ...]
    places: list[_Place]
    zone_index: ZoneIndex | None
    town_kind: str | None
    days: list[_Day] = field(default_factory=list)
    day_type_cum: list[list[float]] = field(default_factory=list)
    day_counts: list[int] = field(default_factory=list)
    citizens: _Citizens = field(default_factory=_Citizens)
    request_ids: list[int] = field(default_factory=list)
    references: dict[int, list[int]] = field(default_factory=dict)
    chunks: list[_Chunk] = field(default_factory=list)
    has_rating: bool = False
    has_merge: bool = False
    locate_cache: dict[tuple[float, float], tuple[int, ...] | None] = field(default_factory=dict)


def _flow(states: list[State], transitions: list[Transition]) -> _Flow | None:
    initial = [s.pk for s in states if s.is_initial]
    if len(initial) != 1:
        return None
    codes = {s.pk: s.code for s in states}
    final = {s.pk: s.is_final for s in states}
    out: dict[int, list[_Step]] = defaultdict(list)
    for t in transitions:
        out[t.from_state_id].append(
            _Step(t.pk, t.from_state_id, t.to_state_id, t.comment_required, t.citizen_may_fire)
        )
    found: list[tuple[_Step, ...]] = []

    def walk(state: int, path: tuple[_Step, ...], seen: frozenset[int]) -> None:
        if len(path) >= MAX_PATH:
            return
        for step in out[state]:
            if step.to_id in seen:
                continue
            longer = (*path, step)
            if final[step.to_id]:
                found.append(longer)
            else:
                walk(step.to_id, longer, seen | {step.to_id})

    walk(initial[0], (), frozenset(initial))
    finals = [s.pk for s in states if s.is_final]
    usual = max(finals, key=lambda pk: FINAL_WEIGHTS.get(codes[pk], 0.0)) if finals else None
    by_target: dict[tuple[int, int], int] = Counter((p[-1].to_id, len(p)) for p in found)
    weights = []
    for path in found:
        target = path[-1].to_id
        lengths = USUAL_LENGTHS if target == usual else OTHER_LENGTHS
        present = {n for (t, n) in by_target if t == target}
        total = sum(lengths.get(n, 0.01) for n in present)
        share = lengths.get(len(path), 0.01) / total / by_target[(target, len(path))]
        weights.append(FINAL_WEIGHTS.get(codes[target], DEFAULT_FINAL_WEIGHT) * share)
    cum, running = [], 0.0
    for weight in weights:
        running += weight
        cum.append(running)
    reopen = {pk: [step for step in out[pk] if not final[step.to_id]] for pk in finals if out[pk]}
    return _Flow(
        initial_id=initial[0],
        codes=codes,
        final=final,
        sla_running={s.pk: s.sla_running for s in states},
        paths=found,
        path_cum=cum,
        usual_final=usual,
        reopen={pk: steps for pk, steps in reopen.items() if steps},
        finish=_shortest_paths(out, final, usual),
    )


def _shortest_paths(
    out: dict[int, list[_Step]], final: dict[int, bool], target: int | None
) -> dict[int, tuple[_Step, ...]]:
    """For each open state, the shortest way to ``target`` (breadth-first, backwards)."""
    if target is None:
        return {}
    routes: dict[int, tuple[_Step, ...]] = {target: ()}
    queue = deque([target])
    incoming: dict[int, list[_Step]] = defaultdict(list)
    for steps in out.values():
        for step in steps:
            incoming[step.to_id].append(step)
    while queue:
        state = queue.popleft()
        for step in incoming[state]:
            if step.from_id not in routes and not final[step.from_id]:
                routes[step.from_id] = (step, *routes[state])
                queue.append(step.from_id)
    routes.pop(target)
    return routes


def _any(rng: random.Random, items: Sequence[Any]) -> Any:
    """rng.choice without its overhead: this runs millions of times."""
    return items[int(rng.random() * len(items))]


def _weighted(rng: random.Random, items: Sequence[Any], cum: Sequence[float]) -> Any:
    """One item by cumulative weights, like rng.choices(k=1) without building a list."""
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _field_maker(code: str, datatype: str, choices: Sequence[str], tz: ZoneInfo) -> FieldMaker:
    """A function giving a plausible stored value of one custom field."""
    if datatype == FieldDatatype.SINGLE:
        # The first choices of a list are usually the common ones.
        cum = [sum(range(len(choices), len(choices) - i - 1, -1)) for i in range(len(choices))]
        return lambda rng, _t: _weighted(rng, choices, cum)
    if datatype == FieldDatatype.MULTI:

        def multi(rng: random.Random, _t: int) -> list[str]:
            count = min(len(choices), 1 if rng.random() < 0.7 else rng.randint(2, 3))
            return rng.sample(list(choices), count)

        return multi
    if datatype == FieldDatatype.NUMBER:
        if code.startswith("nombre"):
            return lambda rng, _t: _weighted(rng, (1, 2, 3, 4, 5), (50, 75, 87, 95, 100))
        return lambda rng, _t: rng.randint(1, 10)
    if datatype == FieldDatatype.DATE:
        if "travaux" in code:  # a planned date: after the question
            return lambda rng, t: _local_date(t + rng.randint(7, 90) * 86400, tz)
        return lambda rng, t: _local_date(t - rng.randint(0, 14) * 86400, tz)
    if datatype == FieldDatatype.DATETIME:
        return lambda rng, t: (
            datetime.fromtimestamp(t - rng.randint(600, 48 * 3600), tz)
            .replace(second=0)
            .isoformat()
        )
    if datatype == FieldDatatype.TEXT:
        return lambda rng, _t: rng.choice(LONG_TEXTS)
    if "poteau" in code:
        return lambda rng, _t: str(rng.randint(1000, 99999))
    if "immatriculation" in code:
        letters = "ABCDEFGHJKLMNPRSTVWXYZ"
        return lambda rng, _t: ("".join(rng.choices(letters, k=3)) + f" {rng.randint(0, 9999):04d}")
    if "serie" in code:
        return lambda rng, _t: str(rng.randint(1_000_000, 9_999_999))
    return lambda rng, _t: rng.choice(SHORT_TEXTS)


def _local_date(epoch: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(epoch, tz).date().isoformat()


def _snapshot(now: datetime) -> _Context:
    tz = ZoneInfo(settings.TIME_ZONE)
    flows: dict[int, _Flow] = {}
    states_by_wf: dict[int, list[State]] = defaultdict(list)
    for state in State.objects.order_by("workflow_id", "order", "pk"):
        states_by_wf[state.workflow_id].append(state)
    transitions_by_wf: dict[int, list[Transition]] = defaultdict(list)
    for transition in Transition.objects.order_by("workflow_id", "order", "pk"):
        transitions_by_wf[transition.workflow_id].append(transition)
    types: list[_Type] = []
    for rtype in RequestType.objects.filter(is_active=True).prefetch_related("fields"):
        if rtype.workflow_id not in flows:
            built = _flow(states_by_wf[rtype.workflow_id], transitions_by_wf[rtype.workflow_id])
            if built is None:
                continue
            flows[rtype.workflow_id] = built
        weight, months = TYPE_HINTS.get(rtype.code, DEFAULT_HINT)
        makers = [
            (
                f.code,
                f.required,
                _field_maker(f.code, f.datatype, [c for c, _fr, _en in f.parsed_choices()], tz),
            )
            for f in rtype.fields.all()
        ]
        types.append(
            _Type(
                pk=rtype.pk,
                code=rtype.code,
                name=rtype.name_fr,
                team_id=rtype.team_id,
                workflow_id=rtype.workflow_id,
                sla_hours=rtype.sla_hours,
                priority=rtype.default_priority,
                location_required=rtype.location_required,
                location_allowed=rtype.location_allowed,
                fields=makers,
                weight=weight,
                months=months,
            )
        )
    if not types:
        raise LoadDataError(
            "Aucun type de requête actif avec un flux valide : chargez d’abord le catalogue "
            "(manage.py load_demo)."
        )
    staff: dict[int, list[int]] = defaultdict(list)
    staff_roles = (roles.AGENT, roles.SUPERVISOR)
    members = User.teams.through.objects.filter(
        user__is_active=True, user__groups__name__in=staff_roles
    ).values_list("team_id", "user_id")
    for team_id, user_id in members.distinct().order_by("team_id", "user_id"):
        staff[team_id].append(user_id)
    admins = User.objects.filter(is_active=True, groups__name=roles.ADMINISTRATOR)
    any_staff = sorted(
        {uid for ids in staff.values() for uid in ids} | set(admins.values_list("pk", flat=True))
    )
    zones = list(Zone.objects.all())
    kinds = {zone.kind for zone in zones}
    town_kind = (
        ZoneKind.BOUNDARY
        if ZoneKind.BOUNDARY in kinds
        else ZoneKind.DISTRICT
        if ZoneKind.DISTRICT in kinds
        else None
    )
    ctx = _Context(
        tz=tz,
        now=int(now.timestamp()),
        first_year=0,
        types=types,
        flows=flows,
        staff={team: tuple(ids) for team, ids in staff.items()},
        any_staff=tuple(any_staff),
        places=[],
        zone_index=ZoneIndex(zones) if zones else None,
        town_kind=town_kind,
        has_rating=_has_field(ServiceRequest, "rating"),
        has_merge=_has_field(ServiceRequest, "merged_into"),
    )
    ctx.places = _places(ctx, zones)
    return ctx


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _places(ctx: _Context, zones: list[Zone]) -> list[_Place]:
    """The address registry with its zones; points in town when the registry is empty."""
    links: dict[int, list[int]] = defaultdict(list)
    for address_id, zone_id in Address.zones.through.objects.values_list("address_id", "zone_id"):
        links[address_id].append(zone_id)
    places = [
        _Place(
            address_id=pk,
            latitude=lat,
            longitude=lon,
            label=f"{number}{suffix}, {street}{f', app. {unit}' if unit else ''}, {city}",
            number=f"{number}{suffix}",
            street=street,
            zone_ids=tuple(sorted(links.get(pk, ()))),
        )
        for pk, number, suffix, street, unit, city, lat, lon in Address.objects.values_list(
            "pk", "civic_number", "civic_suffix", "street", "unit", "city", "latitude", "longitude"
        ).order_by("pk")
    ]
    if places:
        return places
    rng = random.Random(0)
    boundary = [z for z in zones if z.kind == ctx.town_kind]
    if boundary:
        lon0 = min(z.min_lon for z in boundary)
        lon1 = max(z.max_lon for z in boundary)
        lat0 = min(z.min_lat for z in boundary)
        lat1 = max(z.max_lat for z in boundary)
    else:
        lat0, lat1 = TOWN_CENTRE[0] - 0.03, TOWN_CENTRE[0] + 0.03
        lon0, lon1 = TOWN_CENTRE[1] - 0.04, TOWN_CENTRE[1] + 0.04
    for _attempt in range(20_000):
        lat, lon = round(rng.uniform(lat0, lat1), 6), round(rng.uniform(lon0, lon1), 6)
        zone_ids = _locate(ctx, lat, lon)
        if zone_ids is not None:
            places.append(_Place(None, lat, lon, "", "", "", zone_ids))
        if len(places) >= 500:
            break
    return places


def _locate(ctx: _Context, lat: float, lon: float) -> tuple[int, ...] | None:
    """Zone ids of a point, or None when it is outside the town."""
    key = (lat, lon)
    if key in ctx.locate_cache:
        return ctx.locate_cache[key]
    result: tuple[int, ...] | None = ()
    if ctx.zone_index is not None:
        found = ctx.zone_index.zones_for(lat, lon)
        if ctx.town_kind is not None and not any(z.kind == ctx.town_kind for z in found):
            result = None
        else:
            result = tuple(sorted(z.pk for z in found))
    if len(ctx.locate_cache) < 500_000:
        ctx.locate_cache[key] = result
    return result


# --- Planning: days, citizens, numbers ---------------------------------------------------------


def _plan_days(ctx: _Context, years: Sequence[int], rng: random.Random, count: int) -> None:
    today = datetime.fromtimestamp(ctx.now, ctx.tz).date()
    wanted = sorted(set(years))
    if not wanted:
        raise LoadDataError("Indiquez au moins une année.")
    if wanted[-1] > today.year:
        raise LoadDataError(f"L’année {wanted[-1]} n’a pas encore commencé.")
    ctx.first_year = wanted[0]
    for year in wanted:
        day = date(year, 1, 1)
        while day.year == year and day <= today:
            start = int(datetime(day.year, day.month, day.day, tzinfo=ctx.tz).timestamp())
            after = day + timedelta(days=1)
            end = int(datetime(after.year, after.month, after.day, tzinfo=ctx.tz).timestamp())
            length = min(end, ctx.now) - start
            if length > 0:
                ctx.days.append(_Day(start, length, day.year, day.month, day.weekday()))
            day = after
    storms = _storm_days(ctx.days, rng)
    totals = []
    for index, when in enumerate(ctx.days):
        base = WEEKDAY_FACTORS[when.weekday] * (1 + YEARLY_GROWTH * (when.year - ctx.first_year))
        # A day cut short (today) gets its share of the day only.
        base *= when.length / 86400
        running, cum = 0.0, []
        for rtype in ctx.types:
            weight = rtype.weight * rtype.months[when.month - 1] * base
            if index in storms:
                weight *= STORM_FACTORS.get(rtype.code, 1.0)
            running += weight
            cum.append(running)
        if running <= 0:  # a type list with only out-of-season types: keep the day possible
            cum = [float(i + 1) * 1e-9 for i in range(len(ctx.types))]
            running = cum[-1]
        ctx.day_type_cum.append(cum)
        totals.append(running)
    day_cum, running = [], 0.0
    for total in totals:
        running += total
        day_cum.append(running)
    ctx.day_counts = [0] * len(ctx.days)
    for index in rng.choices(range(len(ctx.days)), cum_weights=day_cum, k=count):
        ctx.day_counts[index] += 1


def _storm_days(days: list[_Day], rng: random.Random) -> set[int]:
    winters: dict[int, list[int]] = defaultdict(list)
    for index, day in enumerate(days):
        if day.month in (12, 1, 2, 3):
            winters[day.year + (1 if day.month == 12 else 0)].append(index)
    storms: set[int] = set()
    for indexes in winters.values():
        for first in rng.sample(indexes, min(STORMS_PER_WINTER, len(indexes))):
            storms.update((first, first + 1) if rng.random() < 0.5 else (first,))
    return storms


def _plan_chunks(ctx: _Context, batch: int, rng: random.Random) -> dict[int, int]:
    """Cut the days into chunks of about ``batch`` requests; return the count per year."""
    per_year: Counter[int] = Counter()
    first, offset, size = 0, 0, 0
    year_counts: Counter[int] = Counter()
    for index, count in enumerate(ctx.day_counts):
        size += count
        year_counts[ctx.days[index].year] += count
        last = index == len(ctx.day_counts) - 1
        if size >= batch or (last and size):
            ctx.chunks.append(
                _Chunk(
                    index=len(ctx.chunks),
                    seed=rng.getrandbits(63),
                    first_day=first,
                    end_day=index + 1,
                    offset=offset,
                    count=size,
                    ref_offsets=tuple((y, per_year[y]) for y in sorted(year_counts)),
                )
            )
            per_year.update(year_counts)
            year_counts.clear()
            first, offset, size = index + 1, offset + size, 0
    return dict(per_year)


def _plan_citizens(
    ctx: _Context, rng: random.Random, ids: list[int], taken: set[str]
) -> list[dict[str, Any]]:
    """Citizens who joined over the period (a third before it), ids ascending with the date."""
    if not ids:
        return []
    period_start = ctx.days[0].start
    joined = sorted(
        period_start - rng.randint(0, 730 * 86400)
        if rng.random() < 0.35
        else rng.randint(period_start, ctx.now)
        for _ in ids
    )
    rows = []
    citizens = ctx.citizens
    for user_id, joined_at in zip(ids, joined, strict=True):
        if rng.random() < ENGLISH_SHARE:
            first, last, language = rng.choice(FIRST_NAMES_EN), rng.choice(LAST_NAMES_EN), "en"
        else:
            names = FIRST_NAMES_F if rng.random() < 0.52 else FIRST_NAMES_M
            first, last, language = rng.choice(names), rng.choice(LAST_NAMES), "fr"
        email = f"{_fold(first)}.{_fold(last)}.{user_id}@example.ca"
        while email in taken:
            email = email.replace("@", "x@")
        taken.add(email)
        phone = f"819 555-{rng.randint(0, 9999):04d}" if rng.random() < 0.7 else ""
        home = rng.randrange(len(ctx.places)) if ctx.places and rng.random() < 0.5 else -1
        place = ctx.places[home] if home >= 0 else None
        rows.append(
            {
                "id": user_id,
                "password": f"!{rng.getrandbits(160):040x}",  # unusable, like set_unusable_password
                "is_superuser": False,
                "email": email,
                "first_name": first,
                "last_name": last,
                "phone": phone,
                "address_id": place.address_id if place else None,
                "address_unit": f"{rng.randint(1, 12)}" if place and rng.random() < 0.15 else "",
                "preferred_language": language,
                "is_staff": False,
                "is_active": True,
                "date_joined": joined_at,
            }
        )
        citizens.ids.append(user_id)
        citizens.joined.append(joined_at)
        citizens.names.append(f"{first} {last}")
        citizens.emails.append(email)
        citizens.phones.append(phone)
        citizens.languages.append(language)
        citizens.homes.append(home if place and place.address_id else -1)
    return rows


# --- Building the rows of one chunk -----------------------------------------------------------

# Plain strings: enum attribute lookups cost more than the rest of a comparison, millions of
# times over.
SUBMITTED, TRANSITION, ASSIGNMENT = "submitted", "transition", "assignment"
PUBLIC_REPLY, INTERNAL_NOTE, CITIZEN_COMMENT = "public_reply", "internal_note", "citizen_comment"
PHONE, COUNTER, MOBILE = "phone", "counter", "mobile"
# (probability, kind, texts, public) of the events besides submission and transitions
EXTRA_EVENTS = (
    (0.18, PUBLIC_REPLY, REPLIES, True),
    (0.08, INTERNAL_NOTE, NOTES, False),
    (0.03, CITIZEN_COMMENT, CITIZEN_COMMENTS, True),
)
assert {SUBMITTED, TRANSITION, ASSIGNMENT, PUBLIC_REPLY, INTERNAL_NOTE, CITIZEN_COMMENT} <= set(
    EventKind.values
)
assert {PHONE, COUNTER, MOBILE} <= set(Channel.values)


def _build_chunk(
    ctx: _Context, chunk: _Chunk
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[int, int]]]:
    rng = random.Random(chunk.seed)
    # Public ids must differ from one run to the next even with the same seed.
    unique = random.Random(os.urandom(16))
    requests: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    links: list[tuple[int, int]] = []
    ids = iter(ctx.request_ids[chunk.offset : chunk.offset + chunk.count])
    next_ref = dict(chunk.ref_offsets)
    previous_of_type: dict[int, tuple[int, str]] = {}
    type_range = range(len(ctx.types))
    channel_cum: dict[tuple[bool, int], list[float]] = {}
    hour_cum = {ch: _cumulate(hours) for ch, hours in HOURS.items()}
    for day_index in range(chunk.first_day, chunk.end_day):
        count = ctx.day_counts[day_index]
        if not count:
            continue
        day = ctx.days[day_index]
        weekend = day.weekday >= 5
        key = (weekend, day.year)
        if key not in channel_cum:
            mix = list(CHANNEL_MIX[1 if weekend else 0])
            shift = min(mix[0] - 0.1, MOBILE_GROWTH * (day.year - ctx.first_year))
            mix[0], mix[1] = mix[0] - shift, mix[1] + shift
            channel_cum[key] = _cumulate(mix)
        kinds = rng.choices(type_range, cum_weights=ctx.day_type_cum[day_index], k=count)
        channels = rng.choices(CHANNELS, cum_weights=channel_cum[key], k=count)
        planned = []
        for type_index, channel in zip(kinds, channels, strict=True):
            hour = _weighted(rng, HOUR_RANGE, hour_cum[channel])
            offset = hour * 3600 + rng.randrange(3600)
            if offset >= day.length:
                offset = rng.randrange(day.length)
            planned.append((day.start + offset, type_index, channel))
        planned.sort()
        for created, type_index, channel in planned:
            request_id = next(ids)
            numbers = ctx.references[day.year]
            reference = format_reference(day.year, numbers[next_ref[day.year]])
            next_ref[day.year] += 1
            rtype = ctx.types[type_index]
            previous = previous_of_type.get(type_index)
            previous_of_type[type_index] = (request_id, reference)
            _build_request(
                ctx,
                rng,
                rtype,
                request_id=request_id,
                reference=reference,
                created=created,
                channel=channel,
                previous=previous,
                unique=unique,
                requests=requests,
                events=events,
                links=links,
            )
    return requests, events, links


def _cumulate(weights: Iterable[float]) -> list[float]:
    cum, running = [], 0.0
    for weight in weights:
        running += weight
        cum.append(running)
    return cum


def _build_request(
    ctx: _Context,
    rng: random.Random,
    rtype: _Type,
    *,
    request_id: int,
    reference: str,
    created: int,
    channel: str,
    previous: tuple[int, str] | None,
    unique: random.Random,
    requests: list[dict[str, Any]],
    events: list[dict[str, Any]],
    links: list[tuple[int, int]],
) -> None:
    citizens = ctx.citizens
    citizen_id: int | None = None
    home = -1
    if citizens.ids and rng.random() < ACCOUNT_SHARE[channel]:
        joined = bisect.bisect_right(citizens.joined, created)
        if joined:
            # Early members file more: they have had the portal longer, and some are regulars.
            who = int(joined * rng.random() ** 1.6)
            citizen_id = citizens.ids[who]
            name, email = citizens.names[who], citizens.emails[who]
            phone, language, home = (
                citizens.phones[who],
                citizens.languages[who],
                citizens.homes[who],
            )
    if citizen_id is None:
        english = rng.random() < ENGLISH_SHARE
        first = _any(rng, FIRST_NAMES_EN if english else FIRST_NAMES)
        last = _any(rng, LAST_NAMES_EN if english else LAST_NAMES)
        name, language = f"{first} {last}", "en" if english else "fr"
        in_person = channel in (PHONE, COUNTER)
        email = (
            ""
            if in_person and rng.random() < 0.5
            else f"{FOLDED[first]}.{FOLDED[last]}{rng.randint(1, 99)}@example.com"
        )
        phone = f"819 555-{rng.randint(0, 9999):04d}" if in_person or rng.random() < 0.4 else ""

    # Where
    address_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    zone_ids: tuple[int, ...] = ()
    location_text = ""
    place: _Place | None = None
    if ctx.places and rtype.location_allowed and (rtype.location_required or rng.random() < 0.45):
        place = ctx.places[home] if home >= 0 and rng.random() < 0.35 else None
        place = place or ctx.places[rng.randrange(len(ctx.places))]
    if place is not None:
        pinned = channel == MOBILE and rng.random() < 0.7
        if place.address_id is None or pinned or rng.random() < 0.08:
            lat = round(place.latitude + rng.gauss(0, 0.0003), 6)
            lon = round(place.longitude + rng.gauss(0, 0.0004), 6)
            located = _locate(ctx, lat, lon)
            if located is None:  # the pin fell outside the town: the citizen moved it back
                lat, lon, located = place.latitude, place.longitude, place.zone_ids
            zone_ids = located
            if place.number and rng.random() < 0.3:
                location_text = f"Près du {place.number}, {place.street}"
        else:
            address_id, lat, lon = place.address_id, place.latitude, place.longitude
            zone_ids, location_text = place.zone_ids, place.label

    # What
    values = {
        code: make(rng, created)
        for code, required, make in rtype.fields
        if required or rng.random() < 0.55
    }
    if rng.random() < 0.08:
        description = ""
    else:
        templates = DESCRIPTIONS.get(rtype.code, GENERIC_DESCRIPTIONS)
        where = (
            _any(rng, NEAR_ADDRESS).format(n=place.number, rue=place.street)
            if place is not None and place.number
            else _any(rng, NO_ADDRESS)
        )
        description = _any(rng, templates).format(
            lieu=where, depuis=_any(rng, SINCE), type=rtype.name.lower()
        )
    priority = rtype.priority
    roll = rng.random()
    if roll < 0.08:
        priority = min(4, priority + 1)
    elif roll < 0.13:
        priority = max(1, priority - 1)

    request: dict[str, Any] = {
        "id": request_id,
        "created_at": created,
        "reference": reference,
        "request_type_id": rtype.pk,
        "citizen_id": citizen_id,
        "contact_name": name,
        "contact_email": email,
        "contact_phone": phone,
        "language": language,
        "channel": channel,
        "description": description,
        "field_values": values,
        "address_id": address_id,
        "location_text": location_text,
        "latitude": lat,
        "longitude": lon,
        "team_id": rtype.team_id,
        "priority": priority,
        "tracking_token_hash": "" if citizen_id else f"{unique.getrandbits(256):064x}",
        "public_id": _uuid4(unique),
    }
    if channel in (PHONE, COUNTER):
        submitter = _pick(rng, ctx.staff.get(rtype.team_id) or ctx.any_staff)
    else:
        submitter = citizen_id
    _live(ctx, rng, rtype, request, submitter, previous, events)
    requests.append(request)
    for zone_id in zone_ids:
        links.append((request_id, zone_id))


def _uuid4(rng: random.Random) -> str:
    """A random (version 4) UUID from the seeded generator, as text."""
    h = f"{rng.getrandbits(128) & UUID4_MASK | UUID4_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _pick(rng: random.Random, ids: Sequence[int]) -> int | None:
    return ids[int(rng.random() * len(ids))] if ids else None


def _live(
    ctx: _Context,
    rng: random.Random,
    rtype: _Type,
    request: dict[str, Any],
    submitter: int | None,
    previous: tuple[int, str] | None,
    events: list[dict[str, Any]],
) -> None:
    """Walk the request through its workflow up to now; fill its dates and its events."""
    flow = ctx.flows[rtype.workflow_id]
    created: int = request["created_at"]
    citizen_id: int | None = request["citizen_id"]
    request_id: int = request["id"]
    now = ctx.now
    sla = (rtype.sla_hours or 120) * 3600
    team_staff = ctx.staff.get(rtype.team_id) or ctx.any_staff

    # The plan: a path to a final state, with its times, as if nothing stopped it.
    plan: list[tuple[_Step, float]] = []
    if flow.paths:
        path = _weighted(rng, flow.paths, flow.path_cum)
        duration = max(900.0, sla * rng.lognormvariate(-0.4, 0.9))
        first = duration * rng.uniform(0.04, 0.4) if len(path) > 1 else duration
        middle = sorted(rng.uniform(first, duration) for _ in range(len(path) - 2))
        times = [first, *middle, duration] if len(path) > 1 else [duration]
        plan = list(zip(path, times, strict=True))
        last = path[-1].to_id
        if rng.random() < 0.03 and last in flow.reopen:
            step = rng.choice(flow.reopen[last])
            reopened = duration + rng.uniform(1, 30) * 86400
            plan.append((step, reopened))
            again = flow.finish.get(step.to_id, ())
            extra = sla * rng.lognormvariate(-0.6, 0.7)
            for position, follow in enumerate(again, 1):
                plan.append((follow, reopened + extra * position / len(again)))
        if rng.random() < 0.015:  # a forgotten one: it stays open
            plan = plan[: rng.randrange(len(plan))]
    plan = [(step, at) for step, at in plan if created + at < now]

    # Who holds it
    assignee: int | None = None
    assign_at: float | None = None
    agents = ctx.staff.get(rtype.team_id)
    if agents and plan:
        for step, at in plan:
            if flow.codes[step.to_id] in ASSIGNED_STATES:
                assign_at = at
                break
        if assign_at is not None:
            assignee = _pick(rng, agents)

    end = created + plan[-1][1] if plan and flow.final[plan[-1][0].to_id] else now
    timeline: list[tuple[float, int, dict[str, Any]]] = []
    for order, (step, at) in enumerate(plan, 1):
        code = flow.codes[step.to_id]
        actor = assignee or _pick(rng, team_staff)
        if step.citizen_may_fire and citizen_id and rng.random() < 0.6:
            actor = citizen_id
        event: dict[str, Any] = {
            "kind": TRANSITION,
            "is_public": True,
            "actor_id": actor,
            "to_state_id": step.to_id,
            "transition_id": step.transition_id,
            "message": "",
            "data": {},
        }
        if code in DUPLICATE_STATES and previous is not None:
            event["message"] = f"Même signalement que la requête {previous[1]}."
            if ctx.has_merge:
                event["merge"] = previous[0]  # not a column: read back when replayed
        elif step.comment_required or rng.random() < 0.15:
            event["message"] = _any(rng, COMMENTS.get(code, GENERIC_COMMENTS))
        timeline.append((created + at, order, event))
    if assign_at is not None:
        timeline.append(
            (
                created + max(1.0, assign_at - rng.uniform(60, 3600)),
                0,
                {
                    "kind": ASSIGNMENT,
                    "is_public": False,
                    "actor_id": _pick(rng, team_staff),
                    "message": "",
                    "data": {
                        "before": {"team": rtype.team_id, "assignee": None},
                        "after": {"team": rtype.team_id, "assignee": assignee},
                    },
                },
            )
        )
    span = max(60, end - created)
    for share, kind, texts, public in EXTRA_EVENTS:
        if rng.random() < share:
            actor = citizen_id if kind == CITIZEN_COMMENT else assignee or _pick(rng, team_staff)
            timeline.append(
                (
                    created + rng.uniform(0.02, 0.98) * span,
                    0,
                    {
                        "kind": kind,
                        "is_public": public,
                        "actor_id": actor,
                        "message": _any(rng, texts),
                        "data": {},
                    },
                )
            )
    timeline.sort(key=lambda item: (item[0], item[1]))

    # Replay it the way the services would have written it.
    state = flow.initial_id
    due = created + sla if rtype.sla_hours else None
    paused = created if not flow.sla_running[state] else None
    closed = first_response = None
    citizen_updated = created
    version = 1
    last = created
    events.append(
        {
            "request_id": request_id,
            "kind": SUBMITTED,
            "is_public": True,
            "actor_id": submitter,
            "to_state_id": state,
            "data": {"channel": request["channel"]},
            "created_at": created,
        }
    )
    for at, _order, event in timeline:
        moment = max(int(at), last + 1)
        if moment > now:
            break
        last = moment
        event["request_id"] = request_id
        event["created_at"] = moment
        kind = event["kind"]
        by_staff = event["actor_id"] is not None and event["actor_id"] != citizen_id
        if kind == TRANSITION:
            target = event["to_state_id"]
            event["from_state_id"] = state
            state = target
            if "merge" in event:
                request["merged_into_id"] = event.pop("merge")
            version += 1
            closed = moment if flow.final[target] else None
            if not flow.sla_running[target] and paused is None:
                paused = moment
            elif flow.sla_running[target] and paused is not None:
                if due is not None:
                    due += moment - paused
                paused = None
            if by_staff and first_response is None:
                first_response = moment
            if not by_staff:
                citizen_updated = moment
        elif kind == ASSIGNMENT:
            version += 1
            request["assignee_id"] = assignee
        elif kind == PUBLIC_REPLY and first_response is None:
            first_response = moment
        elif kind == CITIZEN_COMMENT:
            citizen_updated = moment
        events.append(event)
    updated = last
    if (
        ctx.has_rating
        and closed is not None
        and state == flow.usual_final
        and citizen_id
        and rng.random() < 0.2
    ):
        rated = closed + rng.randint(3600, 5 * 86400)
        if rated < now:
            request["rating"] = _weighted(rng, (1, 2, 3, 4, 5), (8, 15, 30, 60, 100))
            request["rated_at"] = rated
            request["rating_comment"] = rng.choice(RATING_COMMENTS) if rng.random() < 0.35 else ""
            updated = max(updated, rated)
    request.update(
        state_id=state,
        updated_at=updated,
        due_at=due,
        sla_paused_at=paused,
        first_response_at=first_response,
        closed_at=closed,
        citizen_updated_at=citizen_updated,
        version=version,
    )


# --- Writing -----------------------------------------------------------------------------------


def _escape(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


_DAY_TEXT: list[str] = []
_TIME_TEXT: list[str] = []


def _timestamp(value: Any) -> str:
    """COPY text of a timestamp given as epoch seconds (UTC); the fast path of the load."""
    if isinstance(value, datetime):
        return value.isoformat()
    day, second = divmod(int(value), 86400)
    if not _TIME_TEXT:
        _TIME_TEXT.extend(
            f" {h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)
        )
    if day >= len(_DAY_TEXT):
        origin = date(1970, 1, 1)
        _DAY_TEXT.extend(
            (origin + timedelta(days=d)).isoformat() for d in range(len(_DAY_TEXT), day + 3650)
        )
    return _DAY_TEXT[day] + _TIME_TEXT[second]


def _json(value: Any) -> str:
    if value == {}:
        return "{}"
    return _escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _copy_converter(model_field: models.Field[Any, Any]) -> Callable[[Any], str]:
    kind = model_field.get_internal_type()
    if kind == "DateTimeField":
        return _timestamp
    if kind == "BooleanField":
        return lambda v: "t" if v else "f"
    if kind == "JSONField":
        return _json
    if kind == "FloatField":
        return repr
    if kind == "DateField":
        return lambda v: v.isoformat() if isinstance(v, date) else str(v)
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
        return _escape
    if model_field.is_relation or kind.endswith(("IntegerField", "AutoField")):
        return str
    return _escape


class _Table:
    """The columns of one model's table and how to fill the ones the generator leaves out."""

    def __init__(
        self, model: type[models.Model], provided: Iterable[str], *, with_pk: bool
    ) -> None:
        provided = set(provided)
        self.model = model
        self.name = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.defaults: dict[str, Any] = {}
        self.dynamic: dict[str, Callable[[], Any]] = {}
        for f in self.fields:
            if f.attname not in provided and f.has_default() and callable(f.default):
                self.dynamic[f.attname] = f.default
            elif f.has_default() or f.null or f.empty_strings_allowed:
                # Also for the columns the generator fills only sometimes (rating, …).
                self.defaults[f.attname] = f.get_default()
            elif f.attname in provided:
                self.defaults[f.attname] = None
            else:
                raise LoadDataError(
                    f"Le générateur ne sait pas remplir {self.name}.{f.column} : "
                    "ajoutez-le à victo_crm/service_requests/loadgen.py."
                )
        self.copy_columns = [
            (f.attname, self.defaults.get(f.attname), _copy_converter(f)) for f in self.fields
        ]

    @property
    def column_list(self) -> str:
        return ", ".join(connection.ops.quote_name(f.column) for f in self.fields)

    def copy_text(self, rows: Iterable[dict[str, Any]]) -> bytes:
        columns, dynamic = self.copy_columns, self.dynamic
        lines = []
        for row in rows:
            if dynamic:
                row = {**{name: make() for name, make in dynamic.items()}, **row}
            get = row.get
            lines.append(
                "\t".join(
                    [NULL if (v := get(name, d)) is None else conv(v) for name, d, conv in columns]
                )
            )
        lines.append("")
        return "\n".join(lines).encode()

    def db_rows(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """Rows as the database adapter takes them (the slow, portable path)."""
        prepared = []
        for row in rows:
            values = []
            for f in self.fields:
                if f.attname in row:
                    value = row[f.attname]
                elif f.attname in self.dynamic:
                    value = self.dynamic[f.attname]()
                else:
                    value = self.defaults[f.attname]
                if isinstance(value, int) and f.get_internal_type() == "DateTimeField":
                    value = datetime.fromtimestamp(value, UTC)
                values.append(f.get_db_prep_save(value, connection))
            prepared.append(tuple(values))
        return prepared

    def insert(self, rows: list[dict[str, Any]], batch: int) -> None:
        sql = (
            f"INSERT INTO {connection.ops.quote_name(self.name)} ({self.column_list}) "  # noqa: S608 - model names
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), batch):
                cursor.executemany(sql, self.db_rows(rows[start : start + batch]))

    def copy(self, data: bytes) -> None:
        if not data:
            return
        sql = f"COPY {connection.ops.quote_name(self.name)} ({self.column_list}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(data)


REQUEST_COLUMNS = _words(
    "id created_at updated_at reference request_type_id state_id citizen_id contact_name "
    "contact_email contact_phone language channel description field_values address_id "
    "location_text latitude longitude team_id assignee_id priority due_at sla_paused_at "
    "first_response_at closed_at citizen_updated_at version tracking_token_hash public_id "
    "merged_into_id rating rating_comment rated_at"
)
EVENT_COLUMNS = _words(
    "request_id kind is_public actor_id from_state_id to_state_id transition_id message data "
    "created_at"
)
USER_COLUMNS = _words(
    "id password is_superuser email first_name last_name phone address_id address_unit "
    "preferred_language is_staff is_active date_joined"
)


@dataclass
class _Tables:
    requests: _Table
    events: _Table
    links: _Table
    link_columns: tuple[str, str]
    users: _Table
    emails: _Table | None

    @classmethod
    def build(cls) -> _Tables:
        zones = ServiceRequest._meta.get_field("zones")
        assert isinstance(zones, models.ManyToManyField)
        through = zones.remote_field.through
        assert through is not None
        link_columns = (zones.m2m_column_name(), zones.m2m_reverse_name())
        emails = None
        if apps.is_installed("allauth.account"):
            from allauth.account.models import EmailAddress

            emails = _Table(
                EmailAddress, ("user_id", "email", "verified", "primary"), with_pk=False
            )
        return cls(
            requests=_Table(ServiceRequest, REQUEST_COLUMNS, with_pk=True),
            events=_Table(RequestEvent, EVENT_COLUMNS, with_pk=False),
            links=_Table(through, link_columns, with_pk=False),
            link_columns=link_columns,
            users=_Table(User, USER_COLUMNS, with_pk=True),
            emails=emails,
        )

    def link_rows(self, links: list[tuple[int, int]]) -> list[dict[str, Any]]:
        source, target = self.link_columns
        return [{source: request_id, target: zone_id} for request_id, zone_id in links]

    def email_rows(self, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {"user_id": u["id"], "email": u["email"], "verified": True, "primary": True}
            for u in users
        ]


# State of a run, inherited by the worker processes (they are forked once it is complete).
_RUN: tuple[_Context, _Tables] | None = None


def _write_chunk(index: int) -> tuple[int, int, int]:
    """Build one chunk and COPY it in its own transaction; (requests, events, zone links)."""
    assert _RUN is not None
    ctx, tables = _RUN
    requests, events, links = _build_chunk(ctx, ctx.chunks[index])
    if len(tables.links.fields) == 2:  # the plain auto-created table: skip the dicts
        link_data = "".join(f"{r}\t{z}\n" for r, z in links).encode()
    else:
        link_data = tables.links.copy_text(tables.link_rows(links))
    request_data = tables.requests.copy_text(requests)
    event_data = tables.events.copy_text(events)
    # Foreign keys and triggers (the desk's search document) do their work row by row, as for
    # any insert: skipping them (session_replication_role) would leave requests unsearchable.
    with transaction.atomic():
        tables.requests.copy(request_data)
        tables.links.copy(link_data)
        tables.events.copy(event_data)
    return len(requests), len(events), len(links)


def _write_chunk_in_worker(index: int) -> tuple[int, int, int]:
    try:
        return _write_chunk(index)
    finally:
        connections.close_all()  # a clean goodbye to the server, chunk by chunk


def _write_chunks(count: int, workers: int) -> Iterable[tuple[int, int, int]]:
    """Each worker process builds a chunk and writes it on its own connection, so building
    rows (Python) and writing them (PostgreSQL) overlap across processes and cores."""
    if not workers:
        for index in range(count):
            yield _write_chunk(index)
        return
    connections.close_all()  # a forked child must never share the parent's connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap_unordered(_write_chunk_in_worker, range(count))


# --- Reservations ------------------------------------------------------------------------------


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk.column])
            return _nextvals(cursor, cursor.fetchone()[0], count)
        cursor.execute(
            f"SELECT MAX({connection.ops.quote_name(pk.column)}) "  # noqa: S608 - model names
            f"FROM {connection.ops.quote_name(table)}"
        )
        start = (cursor.fetchone()[0] or 0) + 1
    return list(range(start, start + count))


def _nextvals(cursor: Any, sequence: str, count: int) -> list[int]:
    """``count`` numbers from a sequence. nextval never hands a number twice, even to the
    application submitting meanwhile; the numbers come back as runs (usually one) rather
    than a million rows."""
    cursor.execute(
        "SELECT min(v), max(v) FROM ("
        "  SELECT v, v - row_number() OVER (ORDER BY v) AS run"
        "  FROM (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) numbers"
        ") runs GROUP BY run ORDER BY 1",
        [sequence, count],
    )
    return [n for low, high in cursor.fetchall() for n in range(low, high + 1)]


def _highest_reference(year: int) -> int:
    prefix = f"{year}-"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT max(substring(reference from 6)::bigint) FROM "  # noqa: S608 - model table
                f"{ServiceRequest._meta.db_table} "
                "WHERE reference LIKE %s AND reference ~ %s",
                [f"{prefix}%", f"^{year}-[0-9]+$"],
            )
            return int(cursor.fetchone()[0] or 0)
    numbers = ServiceRequest.objects.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    return max((int(r[5:]) for r in numbers if r[5:].isdigit()), default=0)


def _reserve_references(per_year: dict[int, int]) -> dict[int, list[int]]:
    """Numbers for each year, after every reference already given; the counter moves first."""
    reserved: dict[int, list[int]] = {}
    for year, count in sorted(per_year.items()):
        highest = _highest_reference(year)
        if connection.vendor == "postgresql":
            ensure_sequence(year, start_after=highest)
            with connection.cursor() as cursor:
                reserved[year] = _nextvals(cursor, f"service_request_ref_{int(year)}", count)
        else:
            counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
                year=year
            )
            start = max(counter.last, highest)
            counter.last = start + count
            counter.save(update_fields=["last"])
            reserved[year] = list(range(start + 1, start + count + 1))
    return reserved


# --- The run -----------------------------------------------------------------------------------


def default_workers() -> int:
    """A process per CPU (each alternates building rows and waiting on PostgreSQL)."""
    return max(2, min(8, os.cpu_count() or 2))


def generate_load_data(
    *,
    requests: int,
    citizens: int | None = None,
    years: Sequence[int] = DEFAULT_YEARS,
    seed: int | None = None,
    batch: int | None = None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Add ``requests`` realistic requests (and their events and citizens) to the database.

    Adds to what is there: running it twice gives twice as many. See the module docstring
    for what is kept consistent. ``citizens`` defaults to one for twenty requests.
    """
    say = progress or (lambda _text: None)
    started = time.perf_counter()
    if requests < 0 or (citizens is not None and citizens < 0):
        raise LoadDataError("Les nombres de requêtes et de citoyens doivent être positifs.")
    # COPY goes through psycopg 3's cursor.copy(); psycopg2 takes the portable path.
    driver = getattr(connection, "Database", None)
    postgres = connection.vendor == "postgresql" and getattr(driver, "__name__", "") == "psycopg"
    citizens = requests // 20 if citizens is None else citizens
    batch = batch or (POSTGRES_BATCH if postgres else OTHER_BATCH)
    if seed is None:
        seed = random.SystemRandom().getrandbits(31)
    rng = random.Random(seed)
    if not postgres or connection.in_atomic_block:
        workers = 0  # the connection cannot be handed over to forked processes
    elif workers is None:
        workers = default_workers()
    if workers and "fork" not in multiprocessing.get_all_start_methods():
        workers = 0

    _check_migrations()
    ctx = _snapshot(timezone.now())
    tables = _Tables.build()
    _plan_days(ctx, years, rng, requests)
    per_year = _plan_chunks(ctx, batch, rng)
    say(
        f"Plan : {_n(requests)} requêtes sur {len(ctx.days)} jours "
        f"({', '.join(f'{y} : {_n(c)}' for y, c in sorted(per_year.items()))}), "
        f"{_n(citizens)} citoyens, {len(ctx.types)} types, {len(ctx.places)} lieux, "
        f"{len(ctx.chunks)} lots, graine {seed}."
    )

    events_total = links_total = 0
    with transaction.atomic():
        taken = set(
            User.objects.filter(email__endswith="@example.ca").values_list("email", flat=True)
        )
        users = _plan_citizens(ctx, rng, _reserve_ids(User, citizens), taken)
        ctx.references = _reserve_references(per_year)
        ctx.request_ids = _reserve_ids(ServiceRequest, requests)
        if not postgres:
            _write_users(tables, users, postgres=False, batch=batch)
    if postgres:
        for start in range(0, len(users), batch):
            with transaction.atomic():
                _write_users(tables, users[start : start + batch], postgres=True, batch=batch)
    say(f"Citoyens : {_n(len(users))} ({time.perf_counter() - started:.1f} s)")

    done = 0
    if postgres:
        global _RUN
        _RUN = (ctx, tables)
        try:
            for n_req, n_ev, n_link in _write_chunks(len(ctx.chunks), workers):
                done += n_req
                events_total += n_ev
                links_total += n_link
                say(_progress_line(done, requests, events_total, started))
        finally:
            _RUN = None
        _analyze(tables)
    else:
        with transaction.atomic():
            for chunk in ctx.chunks:
                rows, events, links = _build_chunk(ctx, chunk)
                tables.requests.insert(rows, batch)
                tables.links.insert(tables.link_rows(links), batch)
                tables.events.insert(events, batch)
                done += len(rows)
                events_total += len(events)
                links_total += len(links)
                say(_progress_line(done, requests, events_total, started))
    for year, numbers in ctx.references.items():
        if numbers:
            ensure_sequence(year, start_after=numbers[-1])
    return LoadReport(
        requests=done,
        events=events_total,
        citizens=len(users),
        zone_links=links_total,
        seconds=time.perf_counter() - started,
        workers=workers,
        seed=seed,
    )


def _check_migrations() -> None:
    """Rows are built from the models: the tables must have every column the models have."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise LoadDataError("Des migrations ne sont pas appliquées : lancez manage.py migrate.")


def _write_users(
    tables: _Tables, users: list[dict[str, Any]], *, postgres: bool, batch: int
) -> None:
    if postgres:
        tables.users.copy(tables.users.copy_text(users))
        if tables.emails is not None:
            tables.emails.copy(tables.emails.copy_text(tables.email_rows(users)))
    else:
        tables.users.insert(users, batch)
        if tables.emails is not None:
            tables.emails.insert(tables.email_rows(users), batch)


def _progress_line(done: int, total: int, events: int, started: float) -> str:
    elapsed = time.perf_counter() - started
    percent = 100 * done / total if total else 100
    return (
        f"  {_n(done)} / {_n(total)} requêtes ({percent:.0f} %), {_n(events)} événements — "
        f"{_n(done / elapsed if elapsed else 0)} requêtes/s"
    )


def _analyze(tables: _Tables) -> None:
    """Fresh statistics, so that the first queries after a big load get sensible plans."""
    with connection.cursor() as cursor:
        for table in (tables.requests, tables.events, tables.links, tables.users):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table.name)}")
