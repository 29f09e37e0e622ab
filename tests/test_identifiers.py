"""registry/identifiers.py: names as identifier parts, slugs and file names, every script kept."""

import unicodedata
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from registry.identifiers import (
    content_disposition_header,
    name_key,
    registry_slug,
    validate_registry_slug,
)


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


# Record slugs ------------------------------------------------------------------------------


def nfd(text):
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    "first, second",
    [
        ("สมชาย ใจดี", "สมชาย ใจดี่"),  # Thai: one tone mark apart
        ("ສົມໃຈ", "ສົມໃຈ່"),  # Lao
        ("សុខា", "សុខ"),  # Khmer: a dependent vowel
        ("မောင်", "မောင"),  # Burmese: the asat
        ("Đà Nẵng", "Đà Năng"),  # Vietnamese: one tone apart
    ],
)
def test_names_one_mark_apart_get_two_slugs_that_keep_their_marks(first, second):
    assert registry_slug(first) != registry_slug(second)
    for name in (first, second):
        slug = registry_slug(name)
        assert slug == name.lower().replace(" ", "-")
        validate_registry_slug(slug)


def test_slugs_are_lower_case_words_joined_by_single_hyphens():
    assert registry_slug("  Đà Nẵng  ") == "đà-nẵng"
    assert registry_slug("O'Neil -- Jr. (2nd)") == "o-neil-jr-2nd"
    assert registry_slug("Kota Kinabalu") == "kota-kinabalu"
    assert registry_slug("ขอนแก่น 2") == "ขอนแก่น-2"
    assert registry_slug("!!! ...") == ""


def test_decomposed_input_gives_the_composed_slug():
    for name in ["Đà Nẵng", "Nguyễn Văn Đức", "Ångström"]:
        assert nfd(name) != name
        assert registry_slug(nfd(name)) == registry_slug(name)
        assert unicodedata.is_normalized("NFC", registry_slug(nfd(name)))


@pytest.mark.parametrize("max_length", range(1, 12))
def test_a_cut_never_separates_a_letter_from_its_marks(max_length):
    for name in ["ใจดี่ ใจดี่ ใจดี่", "ສົມໃຈ່ ສົມໃຈ່", "မောင် မောင်", "a\u0301\u0323b\u0301\u0323c"]:
        slug = registry_slug(name, max_length=max_length)
        full = registry_slug(name)
        assert len(slug) <= max_length
        assert full.startswith(slug)
        # The next character of the full slug is never a mark of the last letter kept.
        if len(slug) < len(full):
            assert unicodedata.category(full[len(slug)])[0] != "M"
        assert not slug.endswith("-")


@pytest.mark.parametrize(
    "value",
    ["", "a--b", "-a", "a-", "a b", "a_b", "a/b", "a.b", nfd("đà-nẵng"), "a\u200bb"],
)
def test_the_validator_refuses_what_is_not_a_registry_slug(value):
    with pytest.raises(ValidationError, match="single hyphens"):
        validate_registry_slug(value)


@pytest.mark.parametrize("value", ["đà-nẵng", "สมชาย-ใจดี่", "មោង", "city-12", "ascn"])
def test_the_validator_accepts_slugs_of_every_script(value):
    validate_registry_slug(value)


_names = st.text(
    alphabet=st.characters(whitelist_categories=("L", "M", "N", "Zs", "Pd", "Po")),
    min_size=1,
).filter(lambda name: any(unicodedata.category(c)[0] in "LN" for c in name))


@given(_names, st.integers(min_value=1, max_value=120))
def test_a_slug_made_from_letters_marks_and_digits_is_valid_and_stable(name, max_length):
    slug = registry_slug(name, max_length=max_length)
    if slug:
        validate_registry_slug(slug)
    assert registry_slug(slug, max_length=max_length) == slug
    assert len(slug) <= max_length


@given(_names)
def test_a_slug_keeps_every_letter_mark_and_digit_of_the_name(name):
    kept = [c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] in "LMN"]
    assert len(registry_slug(name, max_length=10_000).replace("-", "")) >= len(kept) > 0


# File names --------------------------------------------------------------------------------


def test_an_ascii_file_name_is_the_header_django_writes():
    assert (
        content_disposition_header("attachment", "city.csv") == 'attachment; filename="city.csv"'
    )
    assert (
        content_disposition_header("inline", "ascn-registry-popolo.json")
        == 'inline; filename="ascn-registry-popolo.json"'
    )


def test_a_file_name_in_any_script_has_an_ascii_fallback_and_the_utf8_name():
    header = content_disposition_header("attachment", 'ขอนแก่น "Đà".csv')
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and fallback.endswith(".csv") and "a" in fallback
    assert header.endswith(
        "; filename*=utf-8''%E0%B8%82%E0%B8%AD%E0%B8%99%E0%B9%81%E0%B8%81%E0%B9%88%E0%B8%99"
        "%20%22%C4%90%C3%A0%22.csv"
    )
    assert unquote(header.split("utf-8''")[1]) == 'ขอนแก่น "Đà".csv'
