"""Hostile input on the public pages and the admin: a 4xx or a harmless page, never a 500."""

import pytest
from django.urls import reverse

from registry.models import Agreement, City, MemberState, Network, Officer, Organisation, Source

from . import factories

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = [Network, MemberState, City, Officer, Agreement, Source, Organisation]
PUBLIC_LISTS = ["/", "/member-states/", "/cities/", "/officers/", "/agreements/", "/sources/"]
SQL_LIKE = [
    "' OR '1'='1",
    "'; DROP TABLE registry_city; --",
    '" OR 1=1 --',
    "1) UNION SELECT username, password FROM auth_user --",
    "%",
    "_",
    "%_%",
    "\\",
    "[a-z]*",
]
LONG = "a" * 10_000
TOO_MANY_PARAMETERS = {f"p{n}": "x" for n in range(1_001)}
HOSTILE_NAME = '<script>alert("owned")</script><img src=x onerror=alert(1)>'


def changelist(model):
    return reverse(f"admin:registry_{model._meta.model_name}_changelist")


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


# Public pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_LISTS)
def test_public_pages_survive_sql_like_and_long_queries(founding, client, path):
    cities = City.objects.count()
    for term in [*SQL_LIKE, LONG]:
        response = client.get(path, {"q": term, "member_state": term, "page": "1"})
        assert response.status_code in (200, 400), term
    assert City.objects.count() == cities


@pytest.mark.parametrize("path", PUBLIC_LISTS)
def test_public_pages_refuse_nul_bytes_and_too_many_parameters(founding, client, path):
    assert client.get(path, {"q": "Bang\x00kok"}).status_code == 400
    assert client.get(path, {"q\x00": "x"}).status_code == 400
    assert client.get(path, TOO_MANY_PARAMETERS).status_code == 400


@pytest.mark.parametrize("path", ["/cities/", "/officers/"])
def test_absurd_page_numbers_are_not_found(founding, client, path):
    for page in (str(10**12), "-1", "abc", "1e9999"):
        assert client.get(path, {"page": page}).status_code == 404, page


def test_malformed_paths_are_client_errors(founding, client):
    for path in (
        "/cities/%FF%FE/",
        "/cities/%C0%AF/",
        "/member-states/%ED%A0%80/",
        "/agreements/%00/",
        "/cities/" + "x" * 5_000 + "/",
    ):
        assert client.get(path).status_code in (400, 404), path


def test_a_nul_byte_in_the_path_is_a_400(client, db):
    assert client.get("/cities/a%00b/").status_code == 400


# Admin search -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_admin_search_treats_sql_and_wildcards_as_text(founding, superuser_client, model):
    total = model.objects.count()
    for term in SQL_LIKE:
        response = superuser_client.get(changelist(model), {"q": term})
        assert response.status_code == 200, term
        # "%" and "_" are searched for literally, not as LIKE wildcards matching everything.
        assert response.context["cl"].result_count < total or total == 0, term
    assert model.objects.count() == total


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_admin_search_refuses_huge_terms_and_nul_bytes(founding, superuser_client, model):
    assert superuser_client.get(changelist(model), {"q": LONG}).status_code == 400
    many_words = " ".join(["word"] * 2_000)
    assert superuser_client.get(changelist(model), {"q": many_words}).status_code == 400
    assert superuser_client.get(changelist(model), {"q": "a\x00"}).status_code == 400
    assert superuser_client.get(changelist(model), TOO_MANY_PARAMETERS).status_code == 400


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_admin_absurd_page_numbers_and_filters_are_handled(founding, superuser_client, model):
    # Django's admin answers an invalid page or filter with a redirect to "?e=1".
    for params in ({"p": str(10**12)}, {"p": "-5"}, {"o": "99"}, {"nonsense__exact": "1"}):
        response = superuser_client.get(changelist(model), params)
        assert response.status_code in (200, 302), params
        if response.status_code == 302:
            assert response["Location"].endswith("?e=1")


def test_admin_urls_with_invalid_ids_are_not_errors(founding, superuser_client):
    city = City.objects.first()
    for suffix in (
        "%FF/change/",
        "%00/change/",
        "99999999999999999999/change/",
        "abc/history/",
        "%FF/history/",
        f"{city.pk}/history/abc/",
        f"{city.pk}/history/99999999999999999999/",
    ):
        response = superuser_client.get(changelist(City) + suffix)
        assert response.status_code in (302, 400, 404), suffix


def test_autocomplete_refuses_a_huge_term(founding, superuser_client):
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": "officer", "field_name": "city", "term": LONG},
    )
    assert response.status_code == 400


# HTML in names ----------------------------------------------------------------------------


def test_html_in_names_is_shown_as_text_in_the_admin(founding, superuser_client):
    state = MemberState.objects.get(code="TH")
    city = factories.city(member_state=state, name=HOSTILE_NAME, latitude=None, longitude=None)
    officer = factories.officer(city=city, name=HOSTILE_NAME)
    city.name = HOSTILE_NAME + " (renamed)"
    city.save()
    pages = [
        changelist(City),
        changelist(City) + "?q=script",
        changelist(Officer),
        reverse("admin:registry_city_change", args=[city.pk]),
        reverse("admin:registry_city_history", args=[city.pk]),
        reverse("admin:registry_city_delete", args=[city.pk]),
        reverse("admin:registry_officer_change", args=[officer.pk]),
        reverse("admin:data-health"),
        reverse("admin:index"),
    ]
    for page in pages:
        html = superuser_client.get(page).content.decode()
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
    html = superuser_client.get(changelist(City)).content.decode()
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in html


def test_html_in_names_is_shown_as_text_in_a_conflict_message(founding, superuser_client):
    from .test_history import city_form_data

    city = factories.city(name="Plain")
    version = city.version
    city.name = HOSTILE_NAME
    city.save()
    response = superuser_client.post(
        reverse("admin:registry_city_change", args=[city.pk]),
        city_form_data(city, name="Mine", version=version),
    )
    html = response.content.decode()
    assert "Someone else saved this city" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_html_in_names_is_shown_as_text_on_public_pages(founding, client):
    city = factories.city(
        member_state=MemberState.objects.get(code="TH"), name=HOSTILE_NAME, slug="hostile"
    )
    for path in ("/cities/", city.get_absolute_url()):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html, path
