import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from registry.models import Agreement, City, MemberState, Network, Officer, Organisation, Source

from . import factories
from .member_state_world import form_data

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = [Network, MemberState, City, Officer, Agreement, Source, Organisation]


def admin_url(model, view, *args):
    return reverse(f"admin:registry_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_editor_opens_changelist_add_and_change_pages(founding, editor_client, model):
    obj = model.objects.first()
    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", obj.pk),
    ):
        response = editor_client.get(url)
        assert response.status_code == 200, url
    search = editor_client.get(admin_url(model, "changelist"), {"q": "a"})
    assert search.status_code == 200


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_viewer_can_view_but_not_change(founding, viewer_client, model):
    obj = model.objects.first()
    assert viewer_client.get(admin_url(model, "changelist")).status_code == 200
    change = viewer_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert viewer_client.get(admin_url(model, "add")).status_code == 403
    assert (
        viewer_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    )
    assert model.objects.filter(pk=obj.pk).exists()


def test_viewer_post_to_change_form_changes_nothing(founding, viewer_client):
    city = City.objects.get(name="Phnom Penh")
    response = viewer_client.post(admin_url(City, "change", city.pk), {"name": "Renamed"})
    assert response.status_code == 403
    city.refresh_from_db()
    assert city.name == "Phnom Penh"


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_anonymous_user_is_sent_to_log_in(founding, client, model):
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_editor_adds_a_city_through_the_admin(founding, editor_client):
    thailand = MemberState.objects.get(code="TH")
    response = editor_client.post(
        admin_url(City, "add"),
        {
            "name": "Khon Kaen",
            "slug": "khon-kaen",
            "member_state": thailand.pk,
            "latitude": "16.44190",
            "longitude": "102.83600",
            "pilot_since_precision": "day",
            "network": founding.pk,
            "officers-TOTAL_FORMS": "0",
            "officers-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert City.objects.get(slug="khon-kaen").member_state == thailand


def test_admin_form_rejects_an_mou_with_one_party(founding, editor_client):
    undp = Organisation.objects.get(abbreviation="UNDP")
    response = editor_client.post(
        admin_url(Agreement, "add"),
        {
            "title": "Lonely MOU",
            "slug": "lonely-mou",
            "kind": "mou",
            "parties": [undp.pk],
            "date_precision": "day",
            "network": founding.pk,
        },
    )
    assert response.status_code == 200
    assert "at least two parties" in str(response.context["adminform"].form.errors)
    assert not Agreement.objects.filter(slug="lonely-mou").exists()


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", [City, Officer, Agreement, MemberState])
def test_changelist_queries_do_not_grow_with_the_table(founding, editor_client, model):
    url = admin_url(model, "changelist")
    small = count_queries(editor_client, url)
    state = MemberState.objects.get(code="TH")
    # Change history is beside the point here, and would triple the time to make the rows.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for n in range(474):
            city = factories.city(name=f"Extra {n}", slug=f"extra-{n}", member_state=state)
            factories.officer(city=city)
            factories.agreement(parties=list(Organisation.objects.all()[:2]))
    assert City.objects.count() == 500
    assert count_queries(editor_client, url) == small


def officer_search(client, term):
    response = client.get(admin_url(Officer, "changelist"), {"q": term})
    assert response.status_code == 200
    return {officer.name for officer in response.context["cl"].result_list}


def test_officer_search_matches_name_designation_city_and_member_state(founding, editor_client):
    state = MemberState.objects.get(code="TH")
    chiang_mai = factories.city(name="Chiang Mai", slug="chiang-mai", member_state=state)
    factories.officer(
        name="Somchai Jaidee", designation="Head, Smart Lanna Office", city=chiang_mai
    )
    factories.officer(
        name="Wilai Srisuk",
        member_state=state,
        designation="Director-General, Ministry of the Interior",
    )
    assert officer_search(editor_client, "somchai") == {"Somchai Jaidee"}
    assert officer_search(editor_client, "LANNA") == {"Somchai Jaidee"}
    assert officer_search(editor_client, "chiang") == {"Somchai Jaidee"}
    assert "Wilai Srisuk" in officer_search(editor_client, "thailand")
    assert officer_search(editor_client, "interior") == {"Wilai Srisuk"}
    # Every word must match somewhere; a quoted phrase is one word.
    assert officer_search(editor_client, "somchai chiang") == {"Somchai Jaidee"}
    assert officer_search(editor_client, "somchai interior") == set()
    assert officer_search(editor_client, '"smart lanna"') == {"Somchai Jaidee"}
    # Accents and case, as on the public search.
    factories.officer(name="Nguyễn Thị Lan", member_state=MemberState.objects.get(code="VN"))
    assert officer_search(editor_client, "NGUYEN lan") == {"Nguyễn Thị Lan"}
    assert "Nguyễn Thị Lan" in officer_search(editor_client, "việt")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_officer_search_text_has_a_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_officer'"
        )
        indexes = dict(cursor.fetchall())
    definition = indexes["registry_officer_search_text_trgm"]
    assert "gin" in definition and "search_text gin_trgm_ops" in definition
    # The staff search no longer compares UPPER(column): those indexes would only slow writes.
    assert "registry_officer_name_trgm" not in indexes
    assert "registry_officer_designation_trgm" not in indexes


def city_form(founding, state, name, slug=""):
    return {
        "name": name,
        "slug": slug,
        "member_state": state.pk,
        "latitude": "16.44190",
        "longitude": "102.83600",
        "pilot_since_precision": "day",
        "network": founding.pk,
        "officers-TOTAL_FORMS": "0",
        "officers-INITIAL_FORMS": "0",
    }


def test_a_blank_slug_is_made_on_the_server_from_the_name_in_its_script(founding, editor_client):
    thailand, laos = MemberState.objects.get(code="TH"), MemberState.objects.get(code="LA")
    page = editor_client.get(admin_url(City, "add")).content.decode()
    # The admin's script would fill the slug as the name is typed, dropping the marks.
    assert 'data-prepopulated-fields="[]"' in page
    for state, name in [(thailand, "สมชาย ใจดี่"), (thailand, "สมชาย ใจดี"), (laos, "สมชาย ใจดี่")]:
        response = editor_client.post(admin_url(City, "add"), city_form(founding, state, name))
        assert response.status_code == 302, response.context["adminform"].form.errors
    slugs = City.objects.filter(name__startswith="สมชาย").values_list("member_state__code", "slug")
    assert sorted(slugs) == [("LA", "สมชาย-ใจดี่-2"), ("TH", "สมชาย-ใจดี"), ("TH", "สมชาย-ใจดี่")]


def test_a_slug_typed_in_the_admin_is_checked_and_stored_composed(founding, editor_client):
    thailand = MemberState.objects.get(code="TH")
    refused = editor_client.post(
        admin_url(City, "add"), city_form(founding, thailand, "Hội An", "hội an")
    )
    assert refused.status_code == 200
    assert "single hyphens" in str(refused.context["adminform"].form.errors["slug"])
    decomposed = unicodedata.normalize("NFD", "hội-an")
    response = editor_client.post(
        admin_url(City, "add"), city_form(founding, thailand, "Hội An", decomposed)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert City.objects.get(name="Hội An").slug == "hội-an"


def test_a_blank_slug_of_an_agreement_and_a_source_is_made_from_the_title(founding, editor_client):
    undp, jetro = Organisation.objects.filter(abbreviation__in=["UNDP", "JETRO"])
    response = editor_client.post(
        admin_url(Agreement, "add"),
        {
            "title": "บันทึก ความเข้าใจ",
            "slug": "",
            "kind": "mou",
            "parties": [undp.pk, jetro.pk],
            "date_precision": "day",
            "network": founding.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Agreement.objects.get(title="บันทึก ความเข้าใจ").slug == "บันทึก-ความเข้าใจ"
    response = editor_client.post(admin_url(Source, "add"), {"title": "Đà Nẵng report"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Source.objects.get(title="Đà Nẵng report").slug == "đà-nẵng-report"


def test_a_slug_blanked_in_the_inline_is_made_again_from_the_name(founding, editor_client):
    thailand = MemberState.objects.get(code="TH")
    bangkok = City.objects.get(slug="bangkok")
    data = form_data(thailand)
    data.update(
        {
            "cities-TOTAL_FORMS": "1",
            "cities-INITIAL_FORMS": "1",
            "cities-0-id": bangkok.pk,
            "cities-0-member_state": thailand.pk,
            "cities-0-version": bangkok.version,
            "cities-0-name": "กรุงเทพมหานคร",
            "cities-0-slug": "",
            "cities-0-latitude": bangkok.latitude,
            "cities-0-longitude": bangkok.longitude,
            "cities-0-pilot_since": bangkok.pilot_since or "",
            "cities-0-pilot_since_precision": bangkok.pilot_since_precision,
        }
    )
    response = editor_client.post(admin_url(MemberState, "change", thailand.pk), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    bangkok.refresh_from_db()
    assert (bangkok.name, bangkok.slug) == ("กรุงเทพมหานคร", "กรุงเทพมหานคร")


def test_a_city_added_in_the_member_states_inline_joins_the_states_network(
    founding, editor_client
):
    thailand = MemberState.objects.get(code="TH")
    cities = list(thailand.cities.order_by("pk"))
    data = form_data(thailand)
    data.update(
        {"cities-TOTAL_FORMS": str(len(cities) + 1), "cities-INITIAL_FORMS": str(len(cities))}
    )
    for n, city in enumerate(cities):
        data.update(
            {
                f"cities-{n}-id": city.pk,
                f"cities-{n}-member_state": thailand.pk,
                f"cities-{n}-version": city.version,
                f"cities-{n}-name": city.name,
                f"cities-{n}-slug": city.slug,
                f"cities-{n}-latitude": city.latitude or "",
                f"cities-{n}-longitude": city.longitude or "",
                f"cities-{n}-pilot_since": city.pilot_since or "",
            }
        )
    new = len(cities)
    data.update({f"cities-{new}-member_state": thailand.pk, f"cities-{new}-name": "ขอนแก่น"})
    response = editor_client.post(admin_url(MemberState, "change", thailand.pk), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    added = City.objects.get(name="ขอนแก่น")
    assert (added.member_state, added.network, added.slug) == (
        thailand,
        thailand.network,
        "ขอนแก่น",
    )
