"""Identifiers built from names (Popolo ids): every script kept, two names never one id."""

import unicodedata

# Kept as they are: they cannot be confused with the separator ("-") or an escape ("%").
_KEPT_PUNCTUATION = frozenset("._~")


def name_key(name):
    """
    `name` as an identifier part that keeps every letter, mark and digit of every script and
    never maps two different names to one key.

    Letters, combining marks (Thai, Lao and Khmer vowel and tone marks, Burmese medials,
    Vietnamese tones: Unicode categories L*, M*, N*) and `._~` are kept as they are; a space
    becomes "-"; anything else, "-" and "%" included, is percent-encoded as UTF-8. The mapping
    is reversible, hence one-to-one: Django's slugify() instead drops every combining mark
    (its `\\w` does not match them), folds case and merges runs of punctuation, so that
    "สมชาย ใจดี" and "สมชาย ใจดี่" became one person.
    """
    parts = []
    for char in name:
        if char == " ":
            parts.append("-")
        elif char in _KEPT_PUNCTUATION or unicodedata.category(char)[0] in "LMN":
            parts.append(char)
        else:
            parts.append("".join(f"%{byte:02X}" for byte in char.encode()))
    return "".join(parts)
