"""registry/identifiers.py: names as identifier parts, every script kept, one-to-one."""

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.identifiers import name_key


@pytest.mark.parametrize(
    "name",
    ["สมชาย ใจดี่", "ສົມໃຈ່", "សុខា", "မောင်", "Nguyễn Văn Đức", "Kota Kinabalu"],
)
def test_letters_and_marks_of_every_script_are_kept(name):
    assert name_key(name) == name.replace(" ", "-")


def test_separators_and_punctuation_stay_apart():
    keys = {name_key(n) for n in ["Ann Lee", "Ann-Lee", "Ann  Lee", "ann lee", "Ann%2DLee"]}
    assert len(keys) == 5
    assert name_key("Ann-Lee") == "Ann%2DLee"
    assert name_key("O'Neil Jr.") == "O%27Neil-Jr."


@given(st.text(), st.text())
def test_two_different_names_never_share_a_key(first, second):
    if first != second:
        assert name_key(first) != name_key(second)


@given(st.text())
def test_a_key_reads_back_as_its_name(name):
    assert unquote(name_key(name).replace("-", " "), errors="strict") == name
