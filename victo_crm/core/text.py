import unicodedata


def fold(text: str) -> str:
    """Lower-case text without accents, for search that ignores them ("rue Saint-Jean" =
    "st jean" is beyond this; "Érable" = "erable" is what it does)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
