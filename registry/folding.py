"""
Accent- and case-insensitive matching: fold() in Python, Fold in SQL, the same letters on both.

Kept apart from the filters so that models can store folded text (Officer.search_text) without
importing the filters, which import the models.
"""

import string
import unicodedata

from django.db.models import CharField, Func, Value
from django.db.models.functions import Coalesce


def _fold_table():
    """
    Latin letters to lower-case ASCII without accents ("Ồ" -> "o", "Đ" -> "d"), combining
    accents removed. One table serves Python, SQLite (a registered function) and PostgreSQL
    (its built-in TRANSLATE), so both databases match exactly the same rows.
    """
    table = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[:1]
        if base.isascii() and base.isalpha():
            table[code] = base.lower()
    # Letters with a stroke have no decomposition.
    for letters, plain in [
        ("ĐđƉɖ", "d"),
        ("Øø", "o"),
        ("Łł", "l"),
        ("Ħħ", "h"),
        ("Ŧŧ", "t"),
        ("ı", "i"),
    ]:
        for char in letters:
            table[ord(char)] = plain
    for code in range(0x300, 0x370):  # combining diacritical marks
        table[code] = None
    return table


FOLD_TABLE = _fold_table()
# TRANSLATE(s, from, to) deletes the characters of `from` beyond the length of `to`, so the
# deleted combining marks go last.
_FOLD_MAPPED = {code: to for code, to in FOLD_TABLE.items() if to is not None}
_FOLD_DELETED = [code for code, to in FOLD_TABLE.items() if to is None]
FOLD_FROM = "".join(map(chr, _FOLD_MAPPED)) + "".join(map(chr, _FOLD_DELETED))
FOLD_TO = "".join(_FOLD_MAPPED.values())
# The letters fold() changes beyond A-Z, as a regular expression class: text with none of them
# (plain ASCII, Thai, Khmer, Burmese, Lao...) needs only A-Z lowered.
FOLD_ACCENTED_CLASS = "[" + "".join(c for c in FOLD_FROM if not c.isascii()) + "]"
ASCII_UPPER, ASCII_LOWER = string.ascii_uppercase, string.ascii_lowercase


def fold(text):
    """Lower-case, unaccented Latin letters: what a search compares."""
    return text.translate(FOLD_TABLE)


class Fold(Func):
    """fold() in SQL: TRANSLATE on PostgreSQL, the registered ascn_fold() on SQLite."""

    function = "TRANSLATE"
    output_field = CharField()

    def __init__(self, expression):
        text = Coalesce(expression, Value(""), output_field=CharField())
        super().__init__(text, Value(FOLD_FROM), Value(FOLD_TO))

    def as_postgresql(self, compiler, connection, **extra_context):
        """
        TRANSLATE reads its whole table (some 650 characters) for each character of the text,
        about 80 µs a value; text without accented letters takes a 26-letter table instead,
        the same result five times faster over the region's names.
        """
        full_sql, full_params = self.as_sql(compiler, connection, **extra_context)
        text_sql, text_params = compiler.compile(self.get_source_expressions()[0])
        sql = f"CASE WHEN {text_sql} ~ %s THEN {full_sql} ELSE TRANSLATE({text_sql}, %s, %s) END"
        params = (*text_params, FOLD_ACCENTED_CLASS, *full_params)
        return sql, (*params, *text_params, ASCII_UPPER, ASCII_LOWER)

    def as_sqlite(self, compiler, connection, **extra_context):
        text = self.get_source_expressions()[0]
        return Func(text, function="ascn_fold", output_field=CharField()).as_sql(
            compiler, connection
        )


def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "ascn_fold", 1, lambda s: None if s is None else fold(s), deterministic=True
        )
