"""What real requests look like: seasons, storms, channels, hours, and French text."""

from __future__ import annotations

from victo_crm.service_requests.demo import demo_texts, fold_name
from victo_crm.service_requests.models import (
    Channel,
)

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

# --- French text: the demo's (victo_crm/service_requests/data/demo_texts.json) -------------

_TEXTS = demo_texts()
FIRST_NAMES_F: tuple[str, ...] = _TEXTS["first_names_f"]
FIRST_NAMES_M: tuple[str, ...] = _TEXTS["first_names_m"]
FIRST_NAMES: tuple[str, ...] = _TEXTS["first_names"]
LAST_NAMES: tuple[str, ...] = _TEXTS["last_names"]
FIRST_NAMES_EN: tuple[str, ...] = _TEXTS["first_names_en"]
LAST_NAMES_EN: tuple[str, ...] = _TEXTS["last_names_en"]
ENGLISH_SHARE = 0.08
DESCRIPTIONS: dict[str, tuple[str, ...]] = _TEXTS["descriptions"]
GENERIC_DESCRIPTIONS: tuple[str, ...] = _TEXTS["generic_descriptions"]
NEAR_ADDRESS: tuple[str, ...] = _TEXTS["near_address"]
NO_ADDRESS: tuple[str, ...] = _TEXTS["no_address"]
SINCE: tuple[str, ...] = _TEXTS["since"]
REPLIES: tuple[str, ...] = _TEXTS["replies"]
NOTES: tuple[str, ...] = _TEXTS["notes"]
CITIZEN_COMMENTS: tuple[str, ...] = _TEXTS["citizen_comments"]
COMMENTS: dict[str, tuple[str, ...]] = _TEXTS["comments"]
GENERIC_COMMENTS: tuple[str, ...] = _TEXTS["generic_comments"]
RATING_COMMENTS: tuple[str, ...] = _TEXTS["rating_comments"]
_fold = fold_name
FOLDED = {
    name: _fold(name) for name in (*FIRST_NAMES, *LAST_NAMES, *FIRST_NAMES_EN, *LAST_NAMES_EN)
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())
