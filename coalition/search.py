"""Text made comparable for search: "Hélène" and "HELENE" both read "helene".

People's names are searched partial, case- and accent-insensitive on SQLite and
PostgreSQL alike, without database extensions (no unaccent, no ICU collation):
the searched text is normalised once when it is written (``User.search_text``)
and the query the same way, so the database compares plain lowercase strings.
"""

from __future__ import annotations

import unicodedata


def search_normalise(text: str) -> str:
    """Casefolded, without accents (combining marks), whitespace collapsed to one space."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def search_terms(query: str, *, most: int = 5) -> list[str]:
    """The words of a query, normalised; a person is found when every word is in their text.

    Capped at ``most`` words so a pasted paragraph cannot make a query of hundreds of LIKEs.
    """
    return search_normalise(query).split()[:most]
