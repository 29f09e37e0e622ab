"""The CSV formula escape: undone exactly for the registry's own files, and only there."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.spreadsheets.escaping import escape_formula, unescape_formula


@given(st.text())
def test_the_escape_is_undone_exactly_for_any_text(text):
    assert unescape_formula(escape_formula(text)) == text


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("'quoted", "'quoted"),  # another program's text that begins with an apostrophe
        ("'", "'"),
        ("''quoted", "'quoted"),  # the registry's escape of "'quoted"
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'+84 24 3825 3536", "+84 24 3825 3536"),
        ("'-5 years", "-5 years"),
        ("'@A1", "@A1"),
        ("plain", "plain"),
    ],
)
def test_only_an_apostrophe_the_escape_puts_is_removed(written, read):
    assert unescape_formula(written) == read
