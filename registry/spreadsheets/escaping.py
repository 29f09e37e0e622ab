"""What a text cell cannot hold as it is: formula triggers (escaped), XML-unstorable characters."""

import re

# A text cell that begins with one of these is run as a formula by Excel, LibreOffice or Google
# Sheets ("CSV injection"). Such text is written with a leading apostrophe, which the import
# removes again; text that already begins with an apostrophe gets one more, so the escape can be
# undone without ambiguity.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"

# What XML 1.0, and so XLSX and ODS, cannot hold: C0 controls other than tab, newline and
# carriage return, and the non-characters U+FFFE and U+FFFF.
UNSTORABLE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_formula(value):
    if isinstance(value, str) and value and (value[0] in FORMULA_TRIGGERS or value[0] == ESCAPE):
        return ESCAPE + value
    return value


def unescape_formula(value):
    """
    escape_formula undone: the apostrophe is removed only where escape_formula puts one, before
    a formula trigger or another apostrophe. So text that merely begins with an apostrophe in a
    CSV another program wrote ("'quoted", which LibreOffice saves as it is) keeps it.
    """
    if (
        value.startswith(ESCAPE)
        and value[1:2]
        and (value[1] in FORMULA_TRIGGERS or value[1] == ESCAPE)
    ):
        return value[1:]
    return value
