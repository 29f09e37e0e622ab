"""registry/urls.py: record pages addressed by slugs in any script."""

import unicodedata
from urllib.parse import quote

import pytest
from django.urls import resolve, reverse

from registry.models import Agreement, City, MemberState

from . import factories

pytestmark = pytest.mark.django_db

THAI = "สมชาย-ใจดี่"  # a tone mark on the last letter
VIETNAMESE = "đà-nẵng"


@pytest.fixture
def unicode_records(founding):
    state = MemberState.objects.get(code="TH")
    return [
        factories.city(name="สมชาย ใจดี่", slug=THAI, member_state=state),
        factories.city(name="สมชาย ใจดี", slug="สมชาย-ใจดี", member_state=state),
        factories.city(name="Đà Nẵng X", slug=VIETNAMESE, member_state=state),
        factories.agreement(title="บันทึก ความเข้าใจ", slug="บันทึก-ความเข้าใจ"),
        factories.member_state(name="ເມືອງ", slug="ເມືອງ"),
    ]


def test_reverse_percent_encodes_a_unicode_slug_and_resolves_it_back(unicode_records):
    for record in unicode_records:
        url = record.get_absolute_url()
        assert url.isascii()
        prefix = url.split("/")[1]
        assert url == f"/{prefix}/{quote(record.slug)}/"
        assert resolve(f"/{prefix}/{record.slug}/").kwargs == {"slug": record.slug}


def test_pages_of_records_with_unicode_slugs_load(client, unicode_records):
    for record in unicode_records:
        response = client.get(record.get_absolute_url())
        assert response.status_code == 200, record.slug
        assert response.context["object"] == record


def test_names_one_mark_apart_have_two_pages(client, unicode_records):
    marked = client.get(reverse("registry:city-detail", kwargs={"slug": THAI}))
    unmarked = client.get(reverse("registry:city-detail", kwargs={"slug": "สมชาย-ใจดี"}))
    assert marked.context["object"] != unmarked.context["object"]


def test_a_decomposed_slug_finds_the_composed_records_page(client, unicode_records):
    decomposed = unicodedata.normalize("NFD", VIETNAMESE)
    assert decomposed != VIETNAMESE
    response = client.get(f"/cities/{quote(decomposed)}/")
    assert response.status_code == 200
    assert response.context["object"] == City.objects.get(slug=VIETNAMESE)


@pytest.mark.parametrize(
    "slug", ["a--b", "-bangkok", "bangkok-", "a b", "bang_kok", "a%2Fb", "%E0%B8", "a%E2%80%8Bb"]
)
def test_what_is_not_a_slug_answers_404(client, founding, slug):
    for prefix in ("cities", "member-states", "agreements"):
        assert client.get(f"/{prefix}/{slug}/").status_code == 404


def test_ascii_slugs_keep_their_addresses(founding):
    assert City.objects.get(slug="bangkok").get_absolute_url() == "/cities/bangkok/"
    agreement = Agreement.objects.get(slug="mou-jetro-undp")
    assert agreement.get_absolute_url() == "/agreements/mou-jetro-undp/"


def test_the_correction_page_of_a_unicode_slug_finds_its_record(client, unicode_records):
    city = City.objects.get(slug=VIETNAMESE)
    for key in (VIETNAMESE, unicodedata.normalize("NFD", VIETNAMESE)):
        url = reverse("registry:suggestion-create", args=["city", key])
        assert url.isascii()
        response = client.get(url)
        assert response.status_code == 200
        assert city.name in response.content.decode()
