"""What a text field may hold: a one-line field (a name, a title, a code) no line break or
control character; a multi-line one (notes, descriptions) line breaks and tabs, but no other
control character. The model fields name these, so admin forms and imports check alike."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Line and paragraph separators break a line as \n does; control characters (category Cc,
# which holds \r, \n, \t, NUL and U+0085) corrupt what exports and screens show.
_LINE_BREAKING = {"Cc", "Zl", "Zp"}
_MULTI_LINE_ALLOWED = {"\n", "\r", "\t"}


def _first_refused(value, allowed=()):
    for position, character in enumerate(value, start=1):
        if character not in allowed and unicodedata.category(character) in _LINE_BREAKING:
            return position, character
    return None


def one_line(value):
    """Refuse a line break or control character in a one-line field."""
    refused = _first_refused(str(value))
    if refused is not None:
        position, character = refused
        raise ValidationError(
            _(
                "Write this on one line: character %(position)s is a line break or a control "
                "character (U+%(code)04X)."
            ),
            code="not_one_line",
            params={"position": position, "code": ord(character)},
        )


def multi_line(value):
    """Refuse a control character other than a line break or tab in a multi-line field."""
    refused = _first_refused(str(value), _MULTI_LINE_ALLOWED)
    if refused is not None:
        position, character = refused
        raise ValidationError(
            _("Character %(position)s is a control character (U+%(code)04X), not text."),
            code="control_character",
            params={"position": position, "code": ord(character)},
        )
