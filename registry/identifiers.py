"""Identifiers built from names (Popolo ids, record slugs, file names): every script kept,
two names never one id."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils import http
from django.utils.translation import gettext_lazy as _

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


# Record slugs ------------------------------------------------------------------------------

SLUG_MAX_LENGTH = 100


def _slug_char(char):
    return char == "-" or unicodedata.category(char)[0] in "LMN"


def _lower(text):
    """NFC, lower case: casefold() then NFC again, until neither changes anything (case
    folding may leave text that composes further). Scripts without case are left as they are."""
    text = unicodedata.normalize("NFC", text)
    while True:
        folded = unicodedata.normalize("NFC", text.casefold())
        if folded == text:
            return text
        text = folded


def registry_slug(text, max_length=SLUG_MAX_LENGTH):
    """
    A record's slug built from its name: NFC, lower case, the letters, combining marks and
    digits of every script kept (Unicode categories L*, M*, N*: Thai, Lao and Khmer vowel and
    tone marks, Burmese medials, Vietnamese tones), every run of anything else one "-", none at
    either end. Cut to `max_length` characters, never between a letter and its marks.

    Unlike Django's slugify(allow_unicode=True), which drops combining marks (its `\\w` does not
    match them), "สมชาย ใจดี" and "สมชาย ใจดี่", or "Đà Nẵng" and "Đà Năng", get two slugs.
    "" when the name has no letter or digit at all.
    """
    parts = []
    gap = False
    for char in _lower(str(text)):
        if unicodedata.category(char)[0] in "LMN":
            if gap and parts:
                parts.append("-")
            gap = False
            parts.append(char)
        else:
            gap = True
    slug = "".join(parts)
    if len(slug) > max_length:
        end = max_length
        # Never end on a letter whose marks follow it, nor on some of its marks.
        while end > 0 and unicodedata.category(slug[end])[0] == "M":
            end -= 1
        slug = slug[:end].rstrip("-")
    return slug


def validate_registry_slug(value):
    """A slug as registry_slug() writes them: letters, marks and digits of any script in NFC,
    one "-" between words."""
    if (
        not value
        or not all(_slug_char(char) for char in value)
        or value != unicodedata.normalize("NFC", value)
        or value.startswith("-")
        or value.endswith("-")
        or "--" in value
    ):
        raise ValidationError(
            _(
                "Enter a slug of letters, marks and digits of any script (in Unicode NFC), "
                "with single hyphens between words and none at either end."
            ),
            code="invalid",
            params={"value": value},
        )


# File names --------------------------------------------------------------------------------


def content_disposition_header(disposition, filename):
    """
    A Content-Disposition header for `filename` ("attachment" or "inline"): Django's, which
    quotes an ASCII name and writes any other as RFC 5987's `filename*=utf-8''…`, with a plain
    ASCII `filename="…"` before the latter for clients that do not read it (RFC 6266 4.3).
    """
    header = http.content_disposition_header(disposition == "attachment", filename)
    if header is None or "filename*=" not in header:
        return header
    fallback = "".join(
        char if " " <= char <= "~" and char not in '"\\%' else "_"
        for char in unicodedata.normalize("NFKD", filename)
        if not unicodedata.combining(char)
    )
    head, _sep, tail = header.partition("; ")
    return f'{head}; filename="{fallback}"; {tail}'
