import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case text without accents, for search that ignores them ("rue Saint-Jean" =
    "st jean" is beyond this; "Érable" = "erable" is what it does)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


# How people abbreviate the parts of a Québec address, folded (no accents, lower case, no
# trailing period). The registry spells them out; a query and the registry's search text both
# go through address_words(), so "2, boul. Jutras E." and "2 boulevard Jutras Est" are the
# same words.
ADDRESS_ABBREVIATIONS = {
    "bd": "boulevard",
    "blvd": "boulevard",
    "boul": "boulevard",
    "boulv": "boulevard",
    "av": "avenue",
    "ave": "avenue",
    "ch": "chemin",
    "rte": "route",
    "pl": "place",
    "mtee": "montee",
    "rg": "rang",
    "st": "saint",
    "ste": "sainte",
    "e": "est",
    "east": "est",
    "o": "ouest",
    "w": "ouest",
    "west": "ouest",
    "n": "nord",
    "north": "nord",
    "s": "sud",
    "south": "sud",
}
# Words of a street's type: typed "rue" where the registry says "avenue" still finds the street
# once these are dropped (address_search retries without them).
STREET_TYPES = frozenset(
    {"rue", "avenue", "boulevard", "chemin", "route", "place", "montee", "rang", "street"}
)
# What people add after the street that the registry does not hold.
ADDRESS_NOISE = frozenset({"qc", "quebec", "canada"})
ADDRESS_SEPARATORS = re.compile(r"[\s,.;'’\-/#()]+")
CIVIC = re.compile(r"^(\d{1,6})([a-z]?)$")


def address_words(text: str) -> list[str]:
    """The words of an address, as compared: folded, punctuation (commas, periods, hyphens,
    apostrophes) as spaces, abbreviations spelled out. A single letter right after the civic
    number is its suffix ("4 A"), never a direction."""
    words = [w for w in ADDRESS_SEPARATORS.split(fold(text)) if w and w not in ADDRESS_NOISE]
    out: list[str] = []
    for index, word in enumerate(words):
        after_number = index == 1 and words[0].isdigit() and len(word) == 1
        out.append(word if after_number else ADDRESS_ABBREVIATIONS.get(word, word))
    return out


def normalize_address(text: str) -> str:
    """The address as one comparable string (see address_words)."""
    return " ".join(address_words(text))
