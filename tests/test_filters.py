"""The lists' filters: every filter, its invalid values (400, message by the field), search."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from django import forms
from django.db.models import CharField, Value
from django.http import QueryDict
from django.test.html import parse_html

from registry.filters import CityFilter, Fold, OfficerFilter, fold
from registry.models import City, MemberState, Officer

from . import factories

pytestmark = pytest.mark.django_db


def names(response):
    return [str(obj) for obj in response.context["object_list"]]


def field_error(response, field):
    """The message rendered in the field group of `field`, or None."""
    html = response.content.decode()
    match = re.search(
        rf'<div class="field field--error">(?:(?!<div class="field).)*?id="id_{field}_error"[^>]*>(.*?)</ul>',
        html,
        re.S,
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


# member_state ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["TH", "th", "Th", " th "])
def test_cities_filter_by_member_state_code_in_any_case(client, founding, code):
    response = client.get("/cities/", {"member_state": code})
    assert response.status_code == 200
    assert names(response) == ["Bangkok", "Chonburi", "Phuket"]
    # The select shows the chosen state, whatever the case of the address.
    assert '<option value="TH" selected>Thailand (TH)</option>' in response.content.decode()


def test_officers_filter_by_member_state_covers_cscos_and_national_representatives(
    client, founding
):
    malaysia = MemberState.objects.get(code="MY")
    factories.officer(member_state=malaysia, name="Malaysian Representative")
    response = client.get("/officers/", {"member_state": "my"})
    assert sorted(names(response)) == sorted(
        [
            "Datuk Najib bin Mohamad (Chief Smart City Officer, Kuala Lumpur)",
            "Julin Alen (Chief Smart City Officer, Kuching)",
            "Maimunah Jaffar (Chief Smart City Officer, Johor Bahru)",
            "Malaysian Representative (National Representative, Malaysia)",
            "Stanley Chong Hon Chung (Chief Smart City Officer, Kota Kinabalu)",
            "Tantinny Fung Chew Li (Chief Smart City Officer, Kota Kinabalu)",
        ]
    )


@pytest.mark.parametrize("path", ["/cities/", "/officers/"])
def test_an_unknown_member_state_code_answers_400_with_the_message_by_the_field(
    client, founding, path
):
    response = client.get(path, {"member_state": "zz"})
    assert response.status_code == 400
    assert field_error(response, "member_state") == "There is no member state with the code “ZZ”."
    assert list(response.context["object_list"]) == []  # never the unfiltered list


# q -----------------------------------------------------------------------------------------


def test_search_ignores_case_and_accents_on_both_sides(client, founding):
    viet_nam = MemberState.objects.get(code="VN")
    factories.city(member_state=viet_nam, name="Thành phố Huế", slug="hue")
    for query in ("hue", "HUÉ", "thanh pho", "Huế", "hu\u0065\u0301"):  # the last one decomposed
        assert names(client.get("/cities/", {"q": query})) == ["Thành phố Huế"], query
    assert names(client.get("/cities/", {"q": "KOTA kinabalu"})) == ["Kota Kinabalu"]


def test_search_needs_every_word_somewhere_in_the_record(client, founding):
    assert names(client.get("/cities/", {"q": "bangkok thailand"})) == ["Bangkok"]
    assert names(client.get("/cities/", {"q": "bangkok malaysia"})) == []


def test_search_looks_in_names_designations_titles_and_organisations(client, founding):
    officers = names(client.get("/officers/", {"q": "dewan bandaraya"}))
    assert officers == [
        "Stanley Chong Hon Chung (Chief Smart City Officer, Kota Kinabalu)",
        "Tantinny Fung Chew Li (Chief Smart City Officer, Kota Kinabalu)",
    ]
    assert names(client.get("/agreements/", {"q": "jetro"})) == ["MOU between JETRO and UNDP"]
    # A party's name, not in the agreement's own title:
    assert names(client.get("/agreements/", {"q": "development programme"})) == [
        "MOU between JETRO and UNDP"
    ]
    assert names(client.get("/member-states/", {"q": "viet"})) == ["Viet Nam"]
    assert names(client.get("/sources/", {"q": "straits times"})) == [
        "Turnbull unveils $30m fund for Asean smart cities"
    ]


def test_search_treats_like_wildcards_as_plain_characters(client, founding):
    assert names(client.get("/cities/", {"q": "%"})) == []
    assert names(client.get("/cities/", {"q": "_"})) == []


def test_a_search_over_100_characters_answers_400(client, founding):
    response = client.get("/cities/", {"q": "a" * 1000})
    assert response.status_code == 400
    assert "at most 100 characters" in field_error(response, "q")
    assert client.get("/cities/", {"q": "a" * 100}).status_code == 200


def test_fold_lowercases_and_strips_accents_of_latin_letters():
    assert fold("Đà Nẵng ÉCOLE Øresund Łódź") == "da nang ecole oresund lodz"
    assert fold("กรุงเทพ") == "กรุงเทพ"  # other scripts pass through


def test_search_matches_the_same_rows_as_python_folding(founding):
    """The SQL translation of fold() agrees with the Python one on this database."""
    viet_nam = MemberState.objects.get(code="VN")
    for n, name in enumerate(["Hồ Tây", "HỒ TÂY", "Ho Tay", "Hò Tây", "Hoà Bình"]):
        factories.city(member_state=viet_nam, name=name, slug=f"t{n}")
    for query in ("ho tay", "hồ", "HOA"):
        matched = CityFilter({"q": query}, queryset=City.objects.all()).qs
        expected = [
            c for c in City.objects.all() if all(w in fold(c.name) for w in fold(query).split())
        ]
        assert sorted(c.name for c in matched) == sorted(c.name for c in expected)
        assert matched.exists()


@pytest.mark.parametrize(
    "text",
    ["HỒ TÂY", "Ho TAY", "กรุงเทพ BANGKOK", "ØRESUND", "e\u0301cole", "Đà Nẵng", "", "ສົມພອນ"],
)
def test_sql_fold_equals_python_fold_with_and_without_accented_letters(founding, text):
    folded = (
        MemberState.objects.annotate(folded=Fold(Value(text, output_field=CharField())))
        .values_list("folded", flat=True)
        .first()
    )
    assert folded == fold(text)


# Officers: city, role ------------------------------------------------------------------


def test_officers_filter_by_city_slug(client, founding):
    response = client.get("/officers/", {"city": "davao-city"})
    assert sorted(o.name for o in response.context["object_list"]) == [
        "Mgen Benito Antonio T De Leon Afp",
        "Rowena Henedine Dominguez-Narajos",
    ]
    bad = client.get("/officers/", {"city": "atlantis"})
    assert bad.status_code == 400
    assert field_error(bad, "city") == "There is no city “atlantis”."


def test_officers_filter_by_role(client, founding):
    factories.officer(member_state=MemberState.objects.get(code="SG"), name="Singapore Rep")
    representatives = client.get("/officers/", {"role": "national_representative"})
    assert [o.name for o in representatives.context["object_list"]] == ["Singapore Rep"]
    assert client.get("/officers/", {"role": "csco"}).context["paginator"].count == 28
    bad = client.get("/officers/", {"role": "mayor"})
    assert bad.status_code == 400
    assert "mayor is not one of the available choices" in field_error(bad, "role")


def test_officers_current_accepts_only_all(client, founding):
    bad = client.get("/officers/", {"current": "yes"})
    assert bad.status_code == 400
    assert field_error(bad, "current")


def test_officers_all_tenures_as_of_a_day_includes_those_ended_before_it(client, founding):
    city = City.objects.get(slug="hanoi")
    factories.officer(
        city=city,
        name="Old",
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2011, 1, 1),
    )
    factories.officer(city=city, name="Future", start_date=datetime.date(2030, 1, 1))
    everyone = client.get("/officers/", {"current": "all", "as_of": "2018-07-08", "city": "hanoi"})
    assert [o.name for o in everyone.context["object_list"]] == ["Nguyen Duc Chung", "Old"]
    assert Officer.objects.filter(city=city).count() == 3


# Agreements: kind, year, party ---------------------------------------------------------------


def test_agreements_filter_by_kind_year_and_party(client, founding):
    assert names(client.get("/agreements/", {"kind": "funding"})) == [
        "Australian fund for smart city development in ASEAN"
    ]
    assert len(names(client.get("/agreements/", {"year": "2018"}))) == 3
    assert names(client.get("/agreements/", {"year": "2019"})) == []
    assert names(client.get("/agreements/", {"party": "undp"})) == ["MOU between JETRO and UNDP"]
    assert names(client.get("/agreements/", {"party": "undp", "kind": "agreement"})) == []


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year": "abc"}, "year", "Enter a whole number."),
        ({"year": "2018.5"}, "year", "Enter a whole number."),
        ({"year": "10000"}, "year", "Ensure this value is less than or equal to 2999."),
        (
            {"kind": "loan"},
            "kind",
            "Select a valid choice. loan is not one of the available choices.",
        ),
        ({"party": "nobody"}, "party", "There is no party “nobody”."),
    ],
)
def test_invalid_agreement_filters_answer_400_with_the_message(
    client, founding, params, field, message
):
    response = client.get("/agreements/", params)
    assert response.status_code == 400
    assert field_error(response, field) == message
    assert list(response.context["object_list"]) == []


def test_filter_fields_are_labelled(client, founding):
    html = client.get("/officers/").content.decode()
    for field in ("member_state", "city", "role", "current", "q", "as_of"):
        assert f'<label for="id_{field}"' in html, field
        assert f'id="id_{field}"' in html, field


def test_city_filter_writes_the_same_select_as_django(founding):
    factories.city(
        member_state=MemberState.objects.get(code="TH"), name="<b>Bold</b> & Co", slug="bold"
    )
    for data in ({"city": "davao-city"}, {"city": "atlantis"}, {}):
        form = OfficerFilter(QueryDict(urlencode(data))).form
        form.is_valid()
        field = form["city"]
        stock = forms.Select(choices=field.field.choices)
        assert parse_html(field.as_widget()) == parse_html(field.as_widget(widget=stock))
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co, Thailand" in field.as_widget()
