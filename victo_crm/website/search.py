"""Text normalisation shared by the index and the queries.

Accents are folded and French plurals reduced in Python, on both sides, so that "ecole",
"école" and "écoles" find the same pages on SQLite (FTS5, no stemming) as on PostgreSQL
(whose "french" configuration stems further but does not remove accents).
"""

from __future__ import annotations

import re

from victo_crm.core.text import fold

WORD = re.compile(r"[a-z0-9]+")

# Words that carry no meaning in a search box; PostgreSQL drops them too, SQLite would not.
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "m",
        "n",
        "s",
        "t",
        "y",
        "est",
        "sont",
        "etre",
        "ai",
        "as",
        "the",
        "of",
        "and",
        "to",
        "in",
        "for",
        "on",
        "at",
        "is",
        "my",
        "how",
        "what",
        "where",
        "when",
        "do",
        "does",
        "i",
        "an",
        "or",
    ]
)


def light_stem(word: str) -> str:
    """French plural to singular, the part of stemming that matters most for a town's site
    ("collectes" → "collecte", "travaux" → "travau" on both sides, which is consistent)."""
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The searchable words of a text: folded, without stop words, plurals reduced."""
    return [light_stem(w) for w in WORD.findall(fold(text)) if w not in STOP_WORDS]


def normalise(text: str) -> str:
    return " ".join(terms(text))
