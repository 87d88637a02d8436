"""Demonstration catalogue of request types for the Ville de Victoriaville.

The catalogue is plain data below: administrators edit the same things in the admin, so
this module only gives a fresh installation something realistic to show. Loading is
idempotent (rows are matched by code), so it can be run again after the data changes.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from django.db import transaction

from victo_crm.accounts.demo import load_demo_teams
from victo_crm.service_requests.models import (
    FieldDatatype,
    Priority,
    PublicVisibility,
    RequestGroup,
    RequestType,
    RequestTypeField,
    Workflow,
)

DEFAULT_WORKFLOW = "default"


class GroupDef(TypedDict):
    code: str
    name_fr: str
    name_en: str


class FieldDef(TypedDict):
    code: str
    label_fr: str
    label_en: str
    datatype: str
    required: NotRequired[bool]
    help_fr: NotRequired[str]
    help_en: NotRequired[str]
    # (code, libellé français, English label)
    choices: NotRequired[list[tuple[str, str, str]]]


class TypeDef(TypedDict):
    code: str
    group: str
    team: str
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    keywords: str
    sla_hours: int | None
    default_priority: NotRequired[int]
    location_required: NotRequired[bool]
    location_allowed: NotRequired[bool]
    photos_allowed: NotRequired[bool]
    # What the public sees of its requests (RequestType.public_visibility); absent: nothing.
    public_visibility: NotRequired[str]
    # Complaints about a neighbour, noise, parking: never published, positions coarsened.
    sensitive: NotRequired[bool]
    fields: list[FieldDef]


YES_NO: list[tuple[str, str, str]] = [("oui", "Oui", "Yes"), ("non", "Non", "No")]
YES_NO_UNSURE: list[tuple[str, str, str]] = [
    *YES_NO,
    ("ne-sais-pas", "Je ne sais pas", "I don’t know"),
]

GROUPS: list[GroupDef] = [
    {"code": "voirie", "name_fr": "Rues et trottoirs", "name_en": "Streets and sidewalks"},
    {
        "code": "circulation",
        "name_fr": "Circulation et stationnement",
        "name_en": "Traffic and parking",
    },
    {
        "code": "matieres-residuelles",
        "name_fr": "Collectes et matières résiduelles",
        "name_en": "Waste collection",
    },
    {"code": "eau", "name_fr": "Eau et égouts", "name_en": "Water and sewers"},
    {"code": "parcs", "name_fr": "Parcs et espaces verts", "name_en": "Parks and green spaces"},
    {"code": "nuisances", "name_fr": "Nuisances et sécurité", "name_en": "Nuisances and safety"},
    {
        "code": "permis-info",
        "name_fr": "Permis et renseignements",
        "name_en": "Permits and information",
    },
]

# Keywords list what citizens actually type: without accents, misspelt, in English, and
# with a straight apostrophe beside the typographic one (search folds accents, not quotes).
REQUEST_TYPES: list[TypeDef] = [
    # --- Rues et trottoirs ----------------------------------------------------------------
    {
        "code": "nid-de-poule",
        "public_visibility": "published",
        "group": "voirie",
        "team": "travaux-publics",
        "name_fr": "Nid-de-poule",
        "name_en": "Pothole",
        "description_fr": (
            "Un trou dans la chaussée d’une rue ou d’une ruelle de la ville. Indiquez l’endroit "
            "le plus précisément possible : devant quel numéro civique, près de quelle "
            "intersection."
        ),
        "description_en": (
            "A hole in the pavement of a city street or lane. Give the location as precisely as "
            "you can: in front of which civic number, near which intersection."
        ),
        "keywords": (
            "nid de poule, nid-de-poule, nids-de-poule, nid de pouls, trou, trou dans la rue, "
            "chaussée, chaussee, asphalte, asphalt, pavage, pothole"
        ),
        "sla_hours": 72,
        "fields": [
            {
                "code": "taille",
                "label_fr": "Taille approximative",
                "label_en": "Approximate size",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("petit", "Petit (moins de 30 cm)", "Small (under 30 cm)"),
                    ("moyen", "Moyen (de 30 à 60 cm)", "Medium (30 to 60 cm)"),
                    ("grand", "Grand (plus de 60 cm)", "Large (over 60 cm)"),
                ],
            },
            {
                "code": "nombre-de-trous",
                "label_fr": "Nombre de trous",
                "label_en": "Number of holes",
                "datatype": FieldDatatype.NUMBER,
                "help_fr": "Si plusieurs nids-de-poule se suivent au même endroit.",
                "help_en": "If there are several potholes in the same spot.",
            },
        ],
    },
    {
        "code": "trottoir-endommage",
        "public_visibility": "published",
        "group": "voirie",
        "team": "travaux-publics",
        "name_fr": "Trottoir ou bordure endommagé",
        "name_en": "Damaged sidewalk or curb",
        "description_fr": (
            "Dalle soulevée, fissure importante, affaissement ou bordure brisée qui peut faire "
            "trébucher les piétons."
        ),
        "description_en": (
            "A raised slab, a large crack, a sunken section or a broken curb that could trip "
            "pedestrians."
        ),
        "keywords": (
            "trottoir, trotoir, bordure, dalle, fissure, craque, dénivellation, trébucher, "
            "trebucher, chute, sidewalk, curb"
        ),
        "sla_hours": 240,
        "default_priority": Priority.LOW,
        "fields": [
            {
                "code": "bris",
                "label_fr": "Nature du bris",
                "label_en": "Type of damage",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("souleve", "Dalle soulevée ou dénivellation", "Raised slab or uneven surface"),
                    ("fissure", "Fissure importante", "Large crack"),
                    ("affaissement", "Affaissement ou trou", "Sunken section or hole"),
                    ("bordure", "Bordure brisée", "Broken curb"),
                ],
            },
        ],
    },
    {
        "code": "deneigement",
        "public_visibility": "published",
        "group": "voirie",
        "team": "travaux-publics",
        "name_fr": "Déneigement ou déglaçage",
        "name_en": "Snow removal or de-icing",
        "description_fr": (
            "Rue ou trottoir non déneigé, chaussée glacée, banc de neige qui cache la vue à une "
            "intersection, ou bris causé par le déneigement. Les grandes artères et les trajets "
            "d’autobus sont dégagés en premier."
        ),
        "description_en": (
            "Street or sidewalk not cleared, icy road, snowbank blocking the view at an "
            "intersection, or damage caused by snow removal. Main arteries and bus routes are "
            "cleared first."
        ),
        "keywords": (
            "déneigement, deneigement, deneigment, neige, glace, glacé, glace noire, verglas, "
            "abrasif, sable, sel, souffleuse, charrue, banc de neige, snow, ice, plow"
        ),
        "sla_hours": 24,
        "fields": [
            {
                "code": "situation",
                "label_fr": "Situation",
                "label_en": "Situation",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("rue", "Rue non déneigée", "Street not cleared"),
                    ("trottoir", "Trottoir non déneigé", "Sidewalk not cleared"),
                    ("glace", "Rue ou trottoir glacé", "Icy street or sidewalk"),
                    ("visibilite", "Banc de neige qui cache la vue", "Snowbank blocking the view"),
                    (
                        "bris",
                        "Bris causé par le déneigement (pelouse, clôture, boîte aux lettres)",
                        "Damage caused by snow removal (lawn, fence, mailbox)",
                    ),
                ],
            },
        ],
    },
    {
        "code": "lampadaire-defectueux",
        "public_visibility": "published",
        "group": "voirie",
        "team": "travaux-publics",
        "name_fr": "Lampadaire défectueux",
        "name_en": "Faulty streetlight",
        "description_fr": (
            "Lampadaire éteint, allumé le jour, qui clignote ou qui est endommagé. Le numéro "
            "inscrit sur le poteau nous aide à le trouver rapidement."
        ),
        "description_en": (
            "A streetlight that is out, on during the day, flickering or damaged. The number on "
            "the pole helps us find it quickly."
        ),
        "keywords": (
            "lampadaire, lampadère, lampadere, lumière de rue, lumiere de rue, éclairage, "
            "eclairage, poteau, réverbère, lampe brûlée, streetlight, street light"
        ),
        "sla_hours": 120,
        "fields": [
            {
                "code": "numero-poteau",
                "label_fr": "Numéro du poteau",
                "label_en": "Pole number",
                "datatype": FieldDatatype.STRING,
                "help_fr": "Inscrit sur une plaque fixée au poteau, s’il est visible.",
                "help_en": "Shown on a plate fixed to the pole, if you can see it.",
            },
            {
                "code": "probleme",
                "label_fr": "Problème",
                "label_en": "Problem",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("eteint", "Éteint la nuit", "Out at night"),
                    ("allume-le-jour", "Allumé le jour", "On during the day"),
                    ("clignote", "Clignote", "Flickering"),
                    ("endommage", "Poteau ou luminaire endommagé", "Damaged pole or fixture"),
                ],
            },
        ],
    },
    {
        "code": "animal-mort",
        "public_visibility": "no_description",
        "group": "voirie",
        "team": "travaux-publics",
        "name_fr": "Animal mort sur la voie publique",
        "name_en": "Dead animal on public property",
        "description_fr": (
            "Un animal mort dans une rue, sur un trottoir ou dans un parc de la ville. Ne le "
            "manipulez pas."
        ),
        "description_en": (
            "A dead animal on a street, a sidewalk or in a city park. Please do not handle it."
        ),
        "keywords": (
            "animal mort, carcasse, cadavre, chat mort, chien mort, raton laveur, raton, "
            "mouffette, moufette, chevreuil, oiseau mort, dead animal, roadkill"
        ),
        "sla_hours": 24,
        "fields": [
            {
                "code": "taille",
                "label_fr": "Taille de l’animal",
                "label_en": "Size of the animal",
                "datatype": FieldDatatype.SINGLE,
                "choices": [
                    ("petit", "Petit (écureuil, oiseau)", "Small (squirrel, bird)"),
                    (
                        "moyen",
                        "Moyen (chat, raton laveur, mouffette)",
                        "Medium (cat, raccoon, skunk)",
                    ),
                    ("gros", "Gros (chevreuil, gros chien)", "Large (deer, large dog)"),
                ],
            },
        ],
    },
    # --- Circulation et stationnement -------------------------------------------------------
    {
        "code": "signalisation",
        "public_visibility": "published",
        "group": "circulation",
        "team": "travaux-publics",
        "name_fr": "Panneau de signalisation endommagé",
        "name_en": "Damaged road sign",
        "description_fr": (
            "Panneau tombé, plié, illisible, caché par la végétation ou disparu. Un panneau "
            "d’arrêt manquant est traité en priorité."
        ),
        "description_en": (
            "A sign that has fallen, is bent, unreadable, hidden by vegetation or missing. A "
            "missing stop sign is handled first."
        ),
        "keywords": (
            "panneau, pancarte, affiche, signalisation, arrêt, arret, stop, cédez, nom de rue, "
            "limite de vitesse, road sign, sign"
        ),
        "sla_hours": 48,
        "fields": [
            {
                "code": "type-de-panneau",
                "label_fr": "Type de panneau",
                "label_en": "Type of sign",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("arret", "Arrêt", "Stop"),
                    ("cedez", "Cédez le passage", "Yield"),
                    ("vitesse", "Limite de vitesse", "Speed limit"),
                    ("nom-de-rue", "Nom de rue", "Street name"),
                    ("stationnement", "Stationnement", "Parking"),
                    (
                        "pietons",
                        "Passage pour piétons ou zone scolaire",
                        "Pedestrian crossing or school zone",
                    ),
                    ("autre", "Autre", "Other"),
                ],
            },
            {
                "code": "probleme",
                "label_fr": "Problème",
                "label_en": "Problem",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("tombe", "Tombé ou arraché", "Fallen or torn off"),
                    ("plie", "Plié ou tordu", "Bent or twisted"),
                    ("illisible", "Illisible ou vandalisé", "Unreadable or vandalized"),
                    ("cache", "Caché par la végétation", "Hidden by vegetation"),
                    ("manquant", "Manquant", "Missing"),
                ],
            },
        ],
    },
    {
        "code": "feu-de-circulation",
        "public_visibility": "published",
        "group": "circulation",
        "team": "travaux-publics",
        "name_fr": "Feu de circulation défectueux",
        "name_en": "Faulty traffic light",
        "description_fr": (
            "Feu éteint, bloqué au rouge, qui clignote, ou signal pour piétons qui ne fonctionne "
            "pas. À une intersection dont les feux sont éteints, faites un arrêt complet."
        ),
        "description_en": (
            "A traffic light that is out, stuck on red or flashing, or a pedestrian signal that "
            "does not work. At an intersection whose lights are out, come to a full stop."
        ),
        "keywords": (
            "feu de circulation, feux de circulation, feu rouge, lumière, lumiere, lumières de "
            "circulation, feu piéton, feu pieton, bouton piéton, intersection, traffic light"
        ),
        "sla_hours": 4,
        "default_priority": Priority.HIGH,
        "fields": [
            {
                "code": "probleme",
                "label_fr": "Problème",
                "label_en": "Problem",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("eteint", "Tous les feux sont éteints", "All lights are out"),
                    ("bloque-rouge", "Bloqué au rouge", "Stuck on red"),
                    ("clignote", "Clignote", "Flashing"),
                    ("ampoule", "Une lumière est brûlée", "One light is burnt out"),
                    ("pietons", "Signal ou bouton pour piétons", "Pedestrian signal or button"),
                    ("duree", "Feu trop court ou attente trop longue", "Timing too short or long"),
                ],
            },
        ],
    },
    {
        "code": "stationnement-illegal",
        "sensitive": True,
        "group": "circulation",
        "team": "securite-publique",
        "name_fr": "Stationnement illégal",
        "name_en": "Illegal parking",
        "description_fr": (
            "Véhicule stationné devant une borne d’incendie ou une entrée privée, dans une place "
            "réservée ou sur un trottoir. Si un véhicule bloque un accès d’urgence, composez "
            "le 911."
        ),
        "description_en": (
            "A vehicle parked in front of a fire hydrant or a driveway, in a reserved space or on "
            "a sidewalk. If a vehicle blocks emergency access, call 911."
        ),
        "keywords": (
            "stationnement, stationnement illégal, stationnement illegal, parking, parké, parke, "
            "char, auto, voiture, véhicule, vehicule, entrée bloquée, borne-fontaine, remorquage"
        ),
        "sla_hours": 8,
        "fields": [
            {
                "code": "situation",
                "label_fr": "Situation",
                "label_en": "Situation",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("entree", "Bloque une entrée privée", "Blocking a driveway"),
                    ("borne", "Devant une borne d’incendie", "In front of a fire hydrant"),
                    (
                        "place-reservee",
                        "Place réservée aux personnes handicapées",
                        "Accessible parking space",
                    ),
                    ("trottoir", "Sur le trottoir", "On the sidewalk"),
                    (
                        "interdiction",
                        "Pendant une interdiction de stationnement (déneigement)",
                        "During a parking ban (snow removal)",
                    ),
                    ("autre", "Autre", "Other"),
                ],
            },
            {
                "code": "immatriculation",
                "label_fr": "Plaque d’immatriculation",
                "label_en": "Licence plate",
                "datatype": FieldDatatype.STRING,
                "help_fr": "Seulement si vous pouvez la lire sans vous mettre en danger.",
                "help_en": "Only if you can read it without putting yourself at risk.",
            },
        ],
    },
    # --- Collectes et matières résiduelles ---------------------------------------------------
    {
        "code": "bac-brise",
        "public_visibility": "hidden",
        "group": "matieres-residuelles",
        "team": "environnement",
        "name_fr": "Bac roulant brisé, volé ou manquant",
        "name_en": "Broken, stolen or missing wheeled bin",
        "description_fr": (
            "Couvercle, roue ou poignée brisé, bac fissuré, volé ou jamais livré. Le numéro de "
            "série imprimé sur le bac nous aide à le remplacer."
        ),
        "description_en": (
            "Broken lid, wheel or handle, cracked bin, stolen or never delivered. The serial "
            "number printed on the bin helps us replace it."
        ),
        "keywords": (
            "bac, bac brisé, bac brise, bac roulant, bac vert, bac bleu, bac brun, bac noir, "
            "poubelle, couvercle, roue, bac volé, bac vole, nouveau bac, recyclage, compost, bin"
        ),
        "sla_hours": 120,
        "fields": [
            {
                "code": "type-de-bac",
                "label_fr": "Type de bac",
                "label_en": "Type of bin",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("ordures", "Ordures (déchets)", "Garbage"),
                    ("recyclage", "Matières recyclables", "Recycling"),
                    ("compost", "Matières organiques (compost)", "Organic waste (compost)"),
                ],
            },
            {
                "code": "numero-de-serie",
                "label_fr": "Numéro de série du bac",
                "label_en": "Bin serial number",
                "datatype": FieldDatatype.STRING,
                "help_fr": "Imprimé sur le bac. Laissez vide si le bac a disparu.",
                "help_en": "Printed on the bin. Leave blank if the bin is gone.",
            },
            {
                "code": "bris",
                "label_fr": "Bris",
                "label_en": "Problem",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("couvercle", "Couvercle brisé ou arraché", "Broken or torn-off lid"),
                    ("roue", "Roue ou essieu brisé", "Broken wheel or axle"),
                    ("poignee", "Poignée brisée", "Broken handle"),
                    ("fissure", "Bac fissuré ou percé", "Cracked or punctured bin"),
                    ("vole", "Bac volé ou disparu", "Bin stolen or missing"),
                    (
                        "jamais-livre",
                        "Bac jamais livré (nouvelle résidence)",
                        "Bin never delivered (new home)",
                    ),
                ],
            },
        ],
    },
    {
        "code": "collecte-manquee",
        "public_visibility": "hidden",
        "group": "matieres-residuelles",
        "team": "environnement",
        "name_fr": "Collecte manquée",
        "name_en": "Missed collection",
        "description_fr": (
            "Votre bac était au chemin le jour prévu, mais il n’a pas été vidé. Consultez "
            "d’abord le calendrier de collecte : un jour férié ou la météo peut décaler la "
            "collecte."
        ),
        "description_en": (
            "Your bin was at the curb on the scheduled day but was not emptied. Check the "
            "collection calendar first: a holiday or the weather may shift the collection."
        ),
        "keywords": (
            "collecte, collecte manquée, collecte manquee, oubli, oublié, pas ramassé, "
            "pas ramasse, vidanges, vidange, poubelles, ordures, recyclage, compost, "
            "gros rebuts, encombrants, missed pickup, garbage"
        ),
        "sla_hours": 48,
        "fields": [
            {
                "code": "matiere",
                "label_fr": "Matière",
                "label_en": "Stream",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("ordures", "Ordures", "Garbage"),
                    ("recyclage", "Matières recyclables", "Recycling"),
                    ("compost", "Matières organiques", "Organic waste"),
                    ("encombrants", "Gros rebuts (encombrants)", "Bulky items"),
                ],
            },
            {
                "code": "date-collecte",
                "label_fr": "Date de collecte prévue",
                "label_en": "Scheduled collection date",
                "datatype": FieldDatatype.DATE,
                "required": True,
            },
        ],
    },
    {
        "code": "depot-sauvage",
        "public_visibility": "no_description",
        "group": "matieres-residuelles",
        "team": "environnement",
        "name_fr": "Dépôt sauvage de déchets",
        "name_en": "Illegal dumping",
        "description_fr": (
            "Déchets, meubles, matériaux ou pneus abandonnés dans un fossé, un boisé, un parc ou "
            "au bord d’une rue. Ne touchez pas aux contenants qui pourraient renfermer des "
            "produits dangereux."
        ),
        "description_en": (
            "Garbage, furniture, materials or tires abandoned in a ditch, a wooded area, a park "
            "or by a street. Do not touch containers that may hold hazardous products."
        ),
        "keywords": (
            "dépôt sauvage, depot sauvage, dépotoir, déchets, dechets, vidanges, abandonné, "
            "abandonne, meubles, matelas, pneus, débris, illegal dumping, garbage"
        ),
        "sla_hours": 72,
        "fields": [
            {
                "code": "matieres",
                "label_fr": "Ce qui a été abandonné",
                "label_en": "What was dumped",
                "datatype": FieldDatatype.MULTI,
                "required": True,
                "choices": [
                    ("sacs", "Sacs d’ordures", "Garbage bags"),
                    ("meubles", "Meubles ou matelas", "Furniture or mattresses"),
                    ("materiaux", "Matériaux de construction", "Construction materials"),
                    ("pneus", "Pneus", "Tires"),
                    (
                        "electromenagers",
                        "Électroménagers ou appareils électroniques",
                        "Appliances or electronics",
                    ),
                    (
                        "dangereux",
                        "Contenants de peinture, d’huile ou de produits chimiques",
                        "Paint, oil or chemical containers",
                    ),
                    ("autre", "Autre", "Other"),
                ],
            },
        ],
    },
    # --- Eau et égouts -----------------------------------------------------------------------
    {
        "code": "fuite-eau",
        "public_visibility": "published",
        "group": "eau",
        "team": "travaux-publics",
        "name_fr": "Fuite d’eau",
        "name_en": "Water leak",
        "description_fr": (
            "De l’eau qui s’écoule de la chaussée, d’un trottoir, d’une borne d’incendie ou près "
            "de l’entrée d’eau d’un bâtiment. Une fuite est traitée en urgence."
        ),
        "description_en": (
            "Water flowing from the road, a sidewalk, a fire hydrant or near a building’s water "
            "service line. Leaks are handled as emergencies."
        ),
        "keywords": (
            "fuite, fuite d’eau, fuite d'eau, fuite deau, eau, aqueduc, tuyau, conduite, "
            "bris d’aqueduc, borne-fontaine, borne fontaine, bornefontaine, geyser, "
            "water leak, water main break"
        ),
        "sla_hours": 4,
        "default_priority": Priority.HIGH,
        "fields": [
            {
                "code": "ou",
                "label_fr": "Où est la fuite ?",
                "label_en": "Where is the leak?",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("rue", "Dans la rue ou sur le trottoir", "In the street or on the sidewalk"),
                    ("borne", "À une borne d’incendie", "At a fire hydrant"),
                    ("terrain", "Sur un terrain, près de la rue", "On a property, near the street"),
                    (
                        "batiment",
                        "À l’entrée d’eau d’un bâtiment",
                        "At a building’s water service line",
                    ),
                ],
            },
            {
                "code": "debit",
                "label_fr": "Importance de la fuite",
                "label_en": "Size of the leak",
                "datatype": FieldDatatype.SINGLE,
                "choices": [
                    ("suintement", "L’eau suinte", "Water seeping"),
                    ("ecoulement", "L’eau coule", "Water flowing"),
                    ("jaillissement", "L’eau jaillit ou inonde la rue", "Gushing or flooding"),
                ],
            },
        ],
    },
    {
        "code": "egout-refoule",
        "public_visibility": "hidden",
        "group": "eau",
        "team": "travaux-publics",
        "name_fr": "Égout refoulé ou bouché",
        "name_en": "Sewer backup or blockage",
        "description_fr": (
            "Refoulement d’égout dans un bâtiment, puisard de rue bouché, odeur d’égout ou "
            "couvercle de regard déplacé. Si votre sous-sol est inondé, n’entrez pas dans l’eau "
            "tant que des appareils électriques y sont branchés."
        ),
        "description_en": (
            "Sewer backup into a building, blocked street catch basin, sewer smell or displaced "
            "manhole cover. If your basement is flooded, do not step into the water while "
            "electrical devices are plugged in there."
        ),
        "keywords": (
            "égout, egout, égoût, refoulement, refoulé, refoule, bouché, bouche, puisard, grille, "
            "regard, couvercle, odeur, sous-sol inondé, inondation, sewer, backup, drain"
        ),
        "sla_hours": 8,
        "default_priority": Priority.HIGH,
        "fields": [
            {
                "code": "probleme",
                "label_fr": "Problème",
                "label_en": "Problem",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("refoulement", "Refoulement dans un bâtiment", "Backup into a building"),
                    (
                        "puisard",
                        "Puisard de rue bouché, eau accumulée",
                        "Blocked street catch basin, standing water",
                    ),
                    ("odeur", "Odeur d’égout", "Sewer smell"),
                    (
                        "regard",
                        "Couvercle de regard déplacé ou manquant",
                        "Manhole cover displaced or missing",
                    ),
                ],
            },
            {
                "code": "clapet",
                "label_fr": "Le bâtiment a-t-il un clapet antiretour ?",
                "label_en": "Does the building have a backwater valve?",
                "datatype": FieldDatatype.SINGLE,
                "choices": YES_NO_UNSURE,
            },
        ],
    },
    {
        "code": "qualite-eau",
        "public_visibility": "hidden",
        "group": "eau",
        "team": "travaux-publics",
        "name_fr": "Eau du robinet : couleur, goût ou pression",
        "name_en": "Tap water: colour, taste or pressure",
        "description_fr": (
            "Eau brouillée ou colorée, goût ou odeur inhabituels, pression faible ou absence "
            "d’eau. Pendant un avis d’ébullition, suivez les consignes publiées dans les avis "
            "de la Ville."
        ),
        "description_en": (
            "Cloudy or discoloured water, unusual taste or smell, low pressure or no water. "
            "During a boil-water notice, follow the instructions in the City’s notices."
        ),
        "keywords": (
            "eau brune, eau jaune, eau brouillée, eau brouillee, couleur, goût, gout, odeur, "
            "chlore, pression, pas d’eau, pas d'eau, robinet, aqueduc, tap water, low pressure"
        ),
        "sla_hours": 24,
        "fields": [
            {
                "code": "constats",
                "label_fr": "Ce que vous constatez",
                "label_en": "What you notice",
                "datatype": FieldDatatype.MULTI,
                "required": True,
                "choices": [
                    ("couleur", "Eau colorée ou brouillée", "Discoloured or cloudy water"),
                    ("gout-odeur", "Goût ou odeur inhabituels", "Unusual taste or smell"),
                    ("pression", "Pression faible", "Low pressure"),
                    ("sans-eau", "Aucune eau", "No water at all"),
                ],
            },
            {
                "code": "depuis",
                "label_fr": "Depuis quand ?",
                "label_en": "Since when?",
                "datatype": FieldDatatype.DATETIME,
            },
        ],
    },
    # --- Parcs et espaces verts ----------------------------------------------------------------
    {
        "code": "arbre-dangereux",
        "public_visibility": "no_description",
        "group": "parcs",
        "team": "environnement",
        "name_fr": "Arbre dangereux ou branche cassée",
        "name_en": "Dangerous tree or broken branch",
        "description_fr": (
            "Arbre ou branche qui risque de tomber sur une rue, un trottoir ou dans un parc. Si "
            "des fils électriques sont tombés, restez à au moins 10 mètres et composez le 911."
        ),
        "description_en": (
            "A tree or branch that may fall on a street, a sidewalk or in a park. If power lines "
            "are down, stay at least 10 metres away and call 911."
        ),
        "keywords": (
            "arbre, arbre dangereux, arbe, branche, branche cassée, branche cassee, arbre tombé, "
            "arbre tombe, arbre penché, élagage, elagage, émondage, emondage, frêne, tree, branch"
        ),
        "sla_hours": 48,
        "fields": [
            {
                "code": "situation",
                "label_fr": "Situation",
                "label_en": "Situation",
                "datatype": FieldDatatype.MULTI,
                "required": True,
                "choices": [
                    ("branche-cassee", "Branche cassée ou suspendue", "Broken or hanging branch"),
                    ("penche", "Arbre penché ou déraciné", "Leaning or uprooted tree"),
                    ("mort", "Arbre mort ou malade", "Dead or diseased tree"),
                    (
                        "fil-electrique",
                        "Sur un fil électrique ou tout près",
                        "On or near a power line",
                    ),
                    (
                        "obstrue",
                        "Bloque la rue, le trottoir ou un sentier",
                        "Blocking a street, sidewalk or path",
                    ),
                    ("tombe", "Arbre tombé", "Fallen tree"),
                ],
            },
            {
                "code": "terrain",
                "label_fr": "Où est l’arbre ?",
                "label_en": "Where is the tree?",
                "datatype": FieldDatatype.SINGLE,
                "choices": [
                    ("public", "Terrain public (rue, parc)", "Public land (street, park)"),
                    ("prive", "Terrain privé", "Private property"),
                    ("ne-sais-pas", "Je ne sais pas", "I don’t know"),
                ],
            },
        ],
    },
    {
        "code": "parc-equipement-brise",
        "public_visibility": "published",
        "group": "parcs",
        "team": "loisirs",
        "name_fr": "Équipement de parc brisé",
        "name_en": "Broken park equipment",
        "description_fr": (
            "Module de jeux, balançoire, banc, table, poubelle, fontaine, clôture ou terrain "
            "sportif brisé dans un parc de la ville."
        ),
        "description_en": (
            "A broken play structure, swing, bench, table, trash can, fountain, fence or sports "
            "field in a city park."
        ),
        "keywords": (
            "parc, module de jeux, jeux, balançoire, balancoire, glissade, glissoire, banc, "
            "table à pique-nique, poubelle, abreuvoir, fontaine, jeu d’eau, clôture, cloture, "
            "terrain de soccer, patinoire, park, playground"
        ),
        "sla_hours": 72,
        "fields": [
            {
                "code": "equipement",
                "label_fr": "Équipement",
                "label_en": "Equipment",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("jeux", "Module de jeux ou balançoire", "Play structure or swing"),
                    ("banc", "Banc ou table", "Bench or table"),
                    ("poubelle", "Poubelle", "Trash can"),
                    ("fontaine", "Fontaine ou jeu d’eau", "Drinking fountain or splash pad"),
                    ("eclairage", "Éclairage", "Lighting"),
                    ("cloture", "Clôture ou filet", "Fence or net"),
                    ("terrain", "Terrain sportif ou patinoire", "Sports field or rink"),
                    ("autre", "Autre", "Other"),
                ],
            },
            {
                "code": "danger",
                "label_fr": "Quelqu’un pourrait-il se blesser ?",
                "label_en": "Could someone get hurt?",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": YES_NO,
            },
        ],
    },
    # --- Nuisances et sécurité -----------------------------------------------------------------
    {
        "code": "nuisance-sonore",
        "sensitive": True,
        "group": "nuisances",
        "team": "securite-publique",
        "name_fr": "Nuisance sonore",
        "name_en": "Noise complaint",
        "description_fr": (
            "Bruit répété ou excessif : fête, chantier en dehors des heures permises, commerce, "
            "système d’alarme, animal. Si le bruit a lieu en ce moment et que la sécurité de "
            "quelqu’un est menacée, composez le 911."
        ),
        "description_en": (
            "Repeated or excessive noise: a party, construction outside permitted hours, a "
            "business, an alarm system, an animal. If it is happening now and someone’s safety "
            "is at risk, call 911."
        ),
        "keywords": (
            "bruit, bruyant, nuisance sonore, tapage, musique forte, fête, fete, party, chantier, "
            "alarme, chien qui jappe, jappement, aboiement, voisin, voisins, noise"
        ),
        "sla_hours": 48,
        "fields": [
            {
                "code": "debut",
                "label_fr": "Début du bruit",
                "label_en": "When the noise started",
                "datatype": FieldDatatype.DATETIME,
                "required": True,
            },
            {
                "code": "source",
                "label_fr": "Source du bruit",
                "label_en": "Source of the noise",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("voisinage", "Voisinage, fête ou musique", "Neighbours, party or music"),
                    ("chantier", "Chantier ou travaux", "Construction or works"),
                    ("commerce", "Commerce ou industrie", "Business or industry"),
                    ("vehicule", "Véhicule ou moteur", "Vehicle or engine"),
                    ("animal", "Animal (aboiements)", "Animal (barking)"),
                    ("alarme", "Système d’alarme", "Alarm system"),
                    ("autre", "Autre", "Other"),
                ],
            },
            {
                "code": "frequence",
                "label_fr": "Description de la fréquence",
                "label_en": "How often it happens",
                "datatype": FieldDatatype.TEXT,
                "help_fr": "Par exemple : chaque soir vers 23 h depuis une semaine.",
                "help_en": "For example: every evening around 11 p.m. for a week.",
            },
        ],
    },
    {
        "code": "graffiti",
        "public_visibility": "no_description",
        "group": "nuisances",
        "team": "travaux-publics",
        "name_fr": "Graffiti",
        "name_en": "Graffiti",
        "description_fr": (
            "Graffiti sur un bâtiment, du mobilier urbain, un panneau ou un équipement de parc "
            "de la ville. Les graffitis haineux ou vulgaires sont effacés en priorité."
        ),
        "description_en": (
            "Graffiti on a city building, street furniture, a sign or park equipment. Hateful "
            "or vulgar graffiti is removed first."
        ),
        "keywords": (
            "graffiti, graffitis, grafiti, graffitti, tag, tags, vandalisme, peinture, "
            "barbouillage, vandalism, spray paint"
        ),
        "sla_hours": 120,
        "default_priority": Priority.LOW,
        "fields": [
            {
                "code": "surface",
                "label_fr": "Sur quoi ?",
                "label_en": "On what?",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("batiment", "Bâtiment municipal", "City building"),
                    (
                        "mobilier",
                        "Mobilier urbain (banc, abribus, poubelle)",
                        "Street furniture (bench, bus shelter, trash can)",
                    ),
                    ("panneau", "Panneau ou poteau", "Sign or pole"),
                    ("parc", "Équipement de parc", "Park equipment"),
                    ("prive", "Bâtiment privé", "Private building"),
                    ("autre", "Autre", "Other"),
                ],
            },
            {
                "code": "offensant",
                "label_fr": "Le graffiti est-il haineux ou vulgaire ?",
                "label_en": "Is the graffiti hateful or vulgar?",
                "datatype": FieldDatatype.SINGLE,
                "choices": YES_NO,
            },
        ],
    },
    {
        "code": "terrain-mal-entretenu",
        "sensitive": True,
        "group": "nuisances",
        "team": "urbanisme",
        "name_fr": "Herbe haute ou terrain mal entretenu",
        "name_en": "Tall grass or neglected property",
        "description_fr": (
            "Terrain où l’herbe est très haute, où s’accumulent des déchets ou des véhicules hors "
            "d’usage, ou bâtiment délabré. Un inspecteur vérifie la situation selon la "
            "réglementation municipale."
        ),
        "description_en": (
            "A property with very tall grass, piled-up garbage or disused vehicles, or a run-down "
            "building. An inspector checks the situation against municipal by-laws."
        ),
        "keywords": (
            "herbe haute, gazon, pelouse, tonte, terrain mal entretenu, terrain vacant, "
            "broussailles, mauvaises herbes, déchets, dechets, vieille auto, carcasse, "
            "bâtiment abandonné, batiment abandonne, insalubre, tall grass, weeds"
        ),
        "sla_hours": 240,
        "default_priority": Priority.LOW,
        "fields": [
            {
                "code": "constats",
                "label_fr": "Ce que vous constatez",
                "label_en": "What you notice",
                "datatype": FieldDatatype.MULTI,
                "required": True,
                "choices": [
                    ("herbe", "Herbe haute ou broussailles", "Tall grass or brush"),
                    ("dechets", "Déchets ou débris accumulés", "Piled-up garbage or debris"),
                    ("vehicules", "Véhicules hors d’usage", "Disused vehicles"),
                    ("batiment", "Bâtiment délabré ou abandonné", "Run-down or abandoned building"),
                    (
                        "piscine",
                        "Piscine non clôturée ou laissée à l’abandon",
                        "Unfenced or abandoned pool",
                    ),
                ],
            },
            {
                "code": "depuis",
                "label_fr": "Depuis quand, environ ?",
                "label_en": "Since about when?",
                "datatype": FieldDatatype.DATE,
            },
        ],
    },
    # --- Permis et renseignements --------------------------------------------------------------
    {
        "code": "permis-question",
        "public_visibility": "hidden",
        "group": "permis-info",
        "team": "urbanisme",
        "name_fr": "Question sur un permis ou un règlement",
        "name_en": "Question about a permit or by-law",
        "description_fr": (
            "Vous prévoyez des travaux (rénovation, piscine, clôture, abattage d’arbre…) et vous "
            "vous demandez s’il faut un permis ? Le Service de l’urbanisme vous répond."
        ),
        "description_en": (
            "Planning work (renovation, pool, fence, tree cutting…) and wondering whether you "
            "need a permit? The Urban Planning department will answer."
        ),
        "keywords": (
            "permis, permis de construction, permis de rénovation, renovation, certificat, "
            "autorisation, règlement, reglement, zonage, piscine, cabanon, clôture, cloture, "
            "haie, abattage, abattre un arbre, thermopompe, permit, by-law, bylaw"
        ),
        "sla_hours": 48,
        "default_priority": Priority.LOW,
        "location_required": False,
        "location_allowed": True,
        "photos_allowed": True,
        "fields": [
            {
                "code": "type-de-permis",
                "label_fr": "Type de permis",
                "label_en": "Type of permit",
                "datatype": FieldDatatype.SINGLE,
                "required": True,
                "choices": [
                    ("construction", "Construction ou agrandissement", "Construction or extension"),
                    ("renovation", "Rénovation", "Renovation"),
                    ("piscine", "Piscine ou spa", "Pool or spa"),
                    ("cloture", "Clôture, haie ou muret", "Fence, hedge or low wall"),
                    ("accessoire", "Cabanon, garage ou abri d’auto", "Shed, garage or carport"),
                    ("arbre", "Abattage d’arbre", "Tree cutting"),
                    ("enseigne", "Enseigne commerciale", "Business sign"),
                    ("demolition", "Démolition", "Demolition"),
                    ("autre", "Autre ou je ne sais pas", "Other or not sure"),
                ],
            },
            {
                "code": "date-travaux",
                "label_fr": "Date prévue des travaux",
                "label_en": "Planned start of work",
                "datatype": FieldDatatype.DATE,
            },
        ],
    },
    {
        "code": "plainte-generale",
        "sensitive": True,
        "group": "permis-info",
        "team": "greffe",
        "name_fr": "Plainte ou commentaire général",
        "name_en": "General complaint or comment",
        "description_fr": (
            "Pour tout sujet qui ne correspond à aucun autre type : service reçu, décision, "
            "suggestion. Votre message est transmis au service concerné."
        ),
        "description_en": (
            "For any subject that does not fit another type: service received, a decision, a "
            "suggestion. Your message is forwarded to the department concerned."
        ),
        "keywords": (
            "plainte, plaintes, commentaire, suggestion, insatisfaction, insatisfait, mécontent, "
            "mecontent, service, autre, divers, complaint, comment, feedback"
        ),
        "sla_hours": 120,
        "location_required": False,
        "location_allowed": True,
        "photos_allowed": True,
        "fields": [
            {
                "code": "joindre",
                "label_fr": "Comment préférez-vous être joint ?",
                "label_en": "How would you like to be contacted?",
                "datatype": FieldDatatype.SINGLE,
                "choices": [
                    ("courriel", "Par courriel", "By e-mail"),
                    ("telephone", "Par téléphone", "By phone"),
                    ("aucun", "Aucune réponse nécessaire", "No reply needed"),
                ],
            },
        ],
    },
]


@transaction.atomic
def load_demo_catalogue() -> dict[str, RequestType]:
    """Create or update the demo groups, types and fields; return the types by code.

    Every row is validated with ``full_clean()`` so that a mistake in the data above fails
    loudly instead of reaching citizens. Fields of a demo type that are no longer in its
    definition are removed (values already submitted stay in the requests' JSON).
    """
    workflow = Workflow.objects.get(code=DEFAULT_WORKFLOW)
    teams = load_demo_teams()

    groups: dict[str, RequestGroup] = {}
    for order, group_def in enumerate(GROUPS, 1):
        group, _created = RequestGroup.objects.update_or_create(
            code=group_def["code"],
            defaults={
                "name_fr": group_def["name_fr"],
                "name_en": group_def["name_en"],
                "order": order,
            },
        )
        group.full_clean()
        groups[group.code] = group

    types: dict[str, RequestType] = {}
    order_in_group: dict[str, int] = {}
    for type_def in REQUEST_TYPES:
        order_in_group[type_def["group"]] = order_in_group.get(type_def["group"], 0) + 1
        request_type, _created = RequestType.objects.update_or_create(
            code=type_def["code"],
            defaults={
                "name_fr": type_def["name_fr"],
                "name_en": type_def["name_en"],
                "description_fr": type_def["description_fr"],
                "description_en": type_def["description_en"],
                "group": groups[type_def["group"]],
                "keywords": type_def["keywords"],
                "team": teams[type_def["team"]],
                "workflow": workflow,
                "sla_hours": type_def["sla_hours"],
                "default_priority": type_def.get("default_priority", Priority.NORMAL),
                "location_required": type_def.get("location_required", True),
                "location_allowed": type_def.get("location_allowed", True),
                "photos_allowed": type_def.get("photos_allowed", True),
                "public_visibility": type_def.get("public_visibility", PublicVisibility.HIDDEN),
                "is_sensitive": type_def.get("sensitive", False),
                "is_active": True,
                "order": order_in_group[type_def["group"]],
            },
        )
        request_type.full_clean()
        _load_fields(request_type, type_def["fields"])
        types[request_type.code] = request_type
    return types


def _load_fields(request_type: RequestType, field_defs: list[FieldDef]) -> None:
    for order, field_def in enumerate(field_defs, 1):
        field, _created = RequestTypeField.objects.update_or_create(
            request_type=request_type,
            code=field_def["code"],
            defaults={
                "label_fr": field_def["label_fr"],
                "label_en": field_def["label_en"],
                "help_fr": field_def.get("help_fr", ""),
                "help_en": field_def.get("help_en", ""),
                "datatype": field_def["datatype"],
                "required": field_def.get("required", False),
                "order": order,
                "choices": _choice_lines(field_def.get("choices", [])),
            },
        )
        field.full_clean()
    request_type.fields.exclude(code__in=[field_def["code"] for field_def in field_defs]).delete()


def _choice_lines(choices: list[tuple[str, str, str]]) -> str:
    """The admin's format: one ``code | libellé français | English label`` per line."""
    return "\n".join(f"{code} | {label_fr} | {label_en}" for code, label_fr, label_en in choices)
