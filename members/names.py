"""How to greet a person from the one name field we keep: never by a title alone."""

from __future__ import annotations

import unicodedata

# Titles and honorifics that open a name in English and French (lower case,
# without the trailing dot). "Father Michael Byrne" is greeted "Michael",
# never "Father".
HONORIFICS = frozenset(
    {
        # English
        "mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor",
        "father", "fr", "sister", "sr", "brother", "br", "rev", "revd", "reverend",
        "pastor", "imam", "rabbi", "sheikh", "shaykh", "bishop", "canon", "deacon",
        "sir", "dame", "lady", "lord", "cllr", "councillor",
        # French
        "m", "mme", "mlle", "monsieur", "madame", "mademoiselle", "père", "pere",
        "sœur", "soeur", "frère", "frere", "abbé", "abbe", "pasteur", "rabbin",
        "docteur", "pr", "maître", "maitre", "mgr",
    }
)  # fmt: skip


def _is_honorific(word: str) -> bool:
    bare = unicodedata.normalize("NFC", word).rstrip(".").casefold()
    return bare in HONORIFICS


def _is_initial(word: str) -> bool:
    return len(word.rstrip(".")) <= 1


def greeting_name(full_name: str) -> str:
    """The name to greet someone by: their first name when it is clear, else the whole name.

    Leading titles are skipped ("Dr. Amina Diallo" → "Amina"). When what is
    left is one word after a title ("Sœur Marie", "Dr Diallo": a first name or
    a family name?) or starts with an initial ("J. Smith"), the whole name is
    used. A single name without a title ("Kim") is the name. A name that is
    only a title, or no name, gives "": the caller greets the group instead.
    """
    words = full_name.split()
    rest = list(words)
    while rest and _is_honorific(rest[0]):
        rest.pop(0)
    if not rest:
        return ""
    titled = len(rest) < len(words)
    if (titled and len(rest) == 1) or (len(rest) > 1 and _is_initial(rest[0])):
        return " ".join(words)
    return rest[0]
