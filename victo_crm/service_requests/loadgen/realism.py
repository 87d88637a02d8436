"""What real requests look like: seasons, storms, channels, hours, and French text."""

from __future__ import annotations

import unicodedata

from ..models import (
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
