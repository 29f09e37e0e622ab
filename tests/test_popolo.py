"""/data/popolo.json: the whole registry in Popolo, valid against the Popolo JSON schemas."""

import datetime
import json
from pathlib import Path

import pytest
from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

from registry.models import City, MemberState

from . import factories

pytestmark = pytest.mark.django_db

# CI runs on a clean clone with a read-only copy of shared/ beside it (../shared); in a
# developer's worktree the same relative path reaches the workspace's shared/ folder.
SCHEMA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "popolo-schemas"
SCHEMA_URL = "http://www.popoloproject.com/schemas/{}.json#"
COLLECTIONS = {
    "organizations": "organization",
    "persons": "person",
    "posts": "post",
    "memberships": "membership",
    "areas": "area",
    "events": "event",
}


@pytest.fixture(scope="module")
def validators():
    """One validator per Popolo type, resolving every $ref to the files beside it."""
    if not SCHEMA_DIR.is_dir():
        pytest.fail(
            f"The Popolo JSON schemas are missing: expected them in {SCHEMA_DIR} "
            "(shared/popolo-schemas beside the repository). The export cannot be validated."
        )
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["id"], Resource.from_contents(schema, DRAFT3)))
    registry = Registry().with_resources(resources)
    return {
        name: Draft3Validator(registry.contents(SCHEMA_URL.format(name)), registry=registry)
        for name in COLLECTIONS.values()
    }


def get_popolo(client):
    response = client.get("/data/popolo.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_export_validates_against_the_popolo_schemas(client, founding, validators):
    data = get_popolo(client)
    for collection, schema in COLLECTIONS.items():
        assert data[collection], collection
        for item in data[collection]:
            errors = [error.message for error in validators[schema].iter_errors(item)]
            assert not errors, (collection, item["id"], errors)


def test_the_validation_really_checks_items(validators):
    """A wrong date and a source without a URL do not pass: the test above can fail."""
    assert list(validators["membership"].iter_errors({"start_date": "8 July 2018"}))
    assert list(validators["person"].iter_errors({"sources": [{"note": "no url"}]}))


def test_the_export_holds_the_whole_founding_registry(client, founding):
    data = get_popolo(client)
    classes = [org["classification"] for org in data["organizations"]]
    assert classes.count("network") == 1
    assert classes.count("member state") == 10
    assert classes.count("pilot city") == 26
    assert classes.count("partner") == 5
    assert len(data["posts"]) == 26 + 10
    assert len(data["persons"]) == 28
    assert len(data["memberships"]) == 28  # the tenures; organisations' are in their own
    embedded = [m for org in data["organizations"] for m in org.get("memberships", [])]
    assert len(embedded) == 26 + 10
    assert len(data["events"]) == 2 + 3  # launch, inaugural meeting, three agreements
    for collection in COLLECTIONS:
        ids = [item["id"] for item in data[collection]]
        assert len(ids) == len(set(ids)), collection


def test_kota_kinabalu_has_one_post_and_two_officers(client, founding):
    data = get_popolo(client)
    held = [m for m in data["memberships"] if m.get("post_id") == "post:csco:kota-kinabalu"]
    persons = {p["id"]: p["name"] for p in data["persons"]}
    assert sorted(persons[m["person_id"]] for m in held) == [
        "Stanley Chong Hon Chung",
        "Tantinny Fung Chew Li",
    ]
    membership = held[0]
    assert membership["organization_id"] == "network:ascn"
    assert membership["on_behalf_of_id"] == "city:kota-kinabalu"
    assert membership["role"] == "Chief Smart City Officer"
    assert membership["start_date"] is None  # the article gives no tenure dates
    assert membership["sources"][0]["note"] == "ASEAN Smart Cities Network"
    # A source without a URL of its own links to its entry on the sources page.
    assert membership["sources"][0]["url"] == (
        "http://testserver/sources/#asean-smart-cities-network-article"
    )


def test_dates_keep_their_precision_and_tenures_their_start_and_end(client, founding):
    factories.officer(
        member_state=MemberState.objects.get(code="TH"),
        name="Former Representative",
        start_date=datetime.date(2018, 7, 1),
        end_date=datetime.date(2020, 6, 30),
    )
    data = get_popolo(client)
    network = next(o for o in data["organizations"] if o["id"] == "network:ascn")
    assert network["founding_date"] == "2018-04"  # "April 2018"
    city = next(o for o in data["organizations"] if o["id"] == "city:bangkok")
    [bangkok] = city["memberships"]
    assert bangkok["id"] == "membership:city:bangkok"
    assert bangkok["organization_id"] == "network:ascn"
    assert bangkok["start_date"] == "2018-04"
    assert bangkok["member"] == {"@type": "Organization", "id": "city:bangkok"}
    tenure = next(
        m for m in data["memberships"] if m.get("person_id", "").endswith(":Former-Representative")
    )
    assert (tenure["start_date"], tenure["end_date"]) == ("2018-07-01", "2020-06-30")
    assert tenure["post_id"] == "post:national-representative:TH"
    fund = next(
        e for e in data["events"] if e["id"] == "event:agreement:australia-smart-cities-fund"
    )
    assert fund["start_date"] == "2018-03"
    assert fund["amount"] == {"value": "30000000.00", "currency": "AUD"}
    assert fund["party_ids"] == ["organisation:australia"]


def test_cities_are_areas_with_a_point(client, founding):
    data = get_popolo(client)
    bangkok = next(a for a in data["areas"] if a["id"] == "area:bangkok")
    assert bangkok["parent_id"] == "area:TH"
    assert bangkok["geometry"] == {"type": "Point", "coordinates": [100.5018, 13.7563]}


def test_unicode_names_keep_distinct_person_ids(client, founding):
    city = City.objects.get(slug="bangkok")
    factories.officer(city=city, name="ชัยวัฒน์ ทองคำคูณ")
    factories.officer(city=city, name="สมชาย ใจดี")
    persons = [p for p in get_popolo(client)["persons"] if p["id"].startswith("person:bangkok:")]
    assert len({p["id"] for p in persons}) == 3


# Names differing by one combining mark (category Mn or Mc), which slugify() drops.
NAMES_ONE_MARK_APART = {
    "Thai (tone mark)": ("สมชาย ใจดี", "สมชาย ใจดี่"),
    "Thai (vowel mark)": ("ประยุทธ", "ประยุทธิ"),
    "Lao (tone mark)": ("ສົມໃຈ", "ສົມໃຈ່"),
    "Khmer (vowel sign)": ("សុខ", "សុខា"),
    "Burmese (asat)": ("မောင်", "မောင"),
}


@pytest.mark.parametrize("names", NAMES_ONE_MARK_APART.values(), ids=NAMES_ONE_MARK_APART)
def test_names_one_mark_apart_are_two_persons(client, founding, names):
    city = City.objects.get(slug="bangkok")
    for name in names:
        factories.officer(city=city, name=name, start_date=datetime.date(2019, 1, 1))
    data = get_popolo(client)
    persons = {p["name"]: p["id"] for p in data["persons"]}
    assert persons[names[0]] != persons[names[1]]
    # The marks are in the ids, not replaced by something else.
    assert all(persons[name].endswith(":" + name.replace(" ", "-")) for name in names)
    ids = [m["id"] for m in data["memberships"]]
    assert len(ids) == len(set(ids))


def test_same_name_in_one_post_is_one_person_with_a_membership_per_tenure(client, founding):
    city = City.objects.get(slug="bangkok")
    for start, end in [(datetime.date(2019, 1, 1), datetime.date(2020, 1, 1)), (None, None)]:
        factories.officer(city=city, name="ສົມໃຈ່", start_date=start, end_date=end)
    factories.officer(city=city, name="ສົມໃຈ່", start_date=datetime.date(2021, 1, 1))
    data = get_popolo(client)
    [person] = [p for p in data["persons"] if p["name"] == "ສົມໃຈ່"]
    held = sorted(m["id"] for m in data["memberships"] if m["person_id"] == person["id"])
    assert held == [
        f"membership:{person['id']}:2019-01-01",
        f"membership:{person['id']}:2021-01-01",
        f"membership:{person['id']}:undated",
    ]


def test_everypolitician_popolo_resolves_every_membership(client, founding):
    from popolo_data.importer import Popolo

    factories.officer(
        member_state=MemberState.objects.get(code="LA"),
        name="ສົມໃຈ່",
        start_date=datetime.date(2019, 1, 1),
    )
    popolo = Popolo(get_popolo(client))
    memberships = list(popolo.memberships)
    assert len(memberships) == 28 + 1
    for membership in memberships:
        assert membership.person.id == membership.person_id
        assert membership.organization.id == "network:ascn"
        assert membership.post.id == membership.post_id
        assert membership.on_behalf_of.id == membership.on_behalf_of_id
        assert membership.area.id == membership.area_id
    names = {membership.person.name for membership in memberships}
    assert "ສົມໃຈ່" in names and "Stanley Chong Hon Chung" in names


def test_ids_built_from_unicode_slugs_keep_their_marks_and_stay_valid(
    client, founding, validators
):
    from popolo_data.importer import Popolo

    thailand = MemberState.objects.get(code="TH")
    source = factories.source(title="รายงาน", slug="รายงาน", url="")
    for name in ("สมชาย ใจดี", "สมชาย ใจดี่"):
        city = factories.city(name=name, slug=name.replace(" ", "-"), member_state=thailand)
        officer = factories.officer(city=city, name="ประยุทธ", start_date=datetime.date(2019, 1, 1))
        officer.sources.add(source)
    data = get_popolo(client)
    for collection, schema in COLLECTIONS.items():
        for item in data[collection]:
            errors = [error.message for error in validators[schema].iter_errors(item)]
            assert not errors, (collection, item["id"], errors)
    areas = {a["id"] for a in data["areas"]}
    assert {"area:สมชาย-ใจดี", "area:สมชาย-ใจดี่"} <= areas
    posts = {p["id"] for p in data["posts"]}
    assert {"post:csco:สมชาย-ใจดี", "post:csco:สมชาย-ใจดี่"} <= posts
    popolo = Popolo(data)
    held = [m for m in popolo.memberships if m.person.name == "ประยุทธ"]
    assert sorted(m.area.id for m in held) == ["area:สมชาย-ใจดี", "area:สมชาย-ใจดี่"]
    assert len({m.person.id for m in held}) == 2  # same name, two posts: two persons
    # A source without a URL is cited by its anchor on the sources page, percent-encoded.
    cited = {s["url"] for m in held for s in m.person.sources}
    assert cited == {
        "http://testserver/sources/#%E0%B8%A3%E0%B8%B2%E0%B8%A2%E0%B8%87%E0%B8%B2%E0%B8%99"
    }
