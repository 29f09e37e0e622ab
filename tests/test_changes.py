"""The public record of changes (registry/changes.py): its page and its Atom feed."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.changes import BY_IMPORT, BY_ROUND, BY_SECRETARIAT, Changes, attribution
from registry.history import BASELINE_REASON, recorded_as, write_baselines
from registry.models import City, MemberState, Network

from . import factories
from .conftest import make_staff
from .member_state_world import form_data, url

ATOM = "{http://www.w3.org/2005/Atom}"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_pages(settings):
    caches[settings.REGISTRY_PAGE_CACHE].clear()
    caches[settings.REGISTRY_DATA_CACHE].clear()


def record_some_changes():
    """A rename in two scripts, an import, a change of member state and a deletion: every kind
    of entry the page shows (for the HTML and accessibility checks too)."""
    city = factories.city(name="เชียงใหม่", pilot_since="2018-04-28")
    city.name = "ຫຼວງພະບາງ"
    city.save()
    with recorded_as(reason="Spreadsheet import of cities.xlsx"):
        city.pilot_since = None
        city.member_state = factories.member_state(name="Lao PDR (test)")
        city.save()
    factories.source(title="A source soon gone").delete()
    return city


def text(response):
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def changes_page(path="/changes/"):
    response = Client().get(path)
    assert response.status_code == 200
    return response


def test_an_admin_edit_shows_old_and_new_by_the_secretariat_and_no_username():
    city = factories.city(name="Old Town")
    staff = Client()
    staff.force_login(make_staff("zorro-the-editor", "Secretariat editor"))
    response = staff.post(url(City, "change", city.pk), form_data(city, name="New Town"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert City.history.filter(id=city.pk).first().history_user.username == "zorro-the-editor"

    response = changes_page()
    page = text(response)
    assert "name: Old Town → New Town" in page
    assert "New Town changed by the secretariat" in page
    assert "zorro" not in response.content.decode()
    assert f'href="{city.get_absolute_url()}"' in response.content.decode()


def test_an_import_and_a_round_are_told_as_such():
    city = factories.city(name="Kep")
    with recorded_as(reason="Spreadsheet import of cities.xlsx"):
        city.name = "Kep City"
        city.save()
    assert "Kep City changed by import" in text(changes_page())
    assert attribution("manage.py import_registry registry.xlsx") == BY_IMPORT
    round_reason = "2026 round: return of Thailand submitted by somchai, accepted by anna"
    assert attribution(round_reason) == BY_ROUND
    assert attribution("") == attribution(None) == BY_SECRETARIAT
    with recorded_as(reason=round_reason):
        city.name = "Kep Province"
        city.save()
    response = changes_page()
    assert "Kep Province changed by a confirmation round" in text(response)
    assert "somchai" not in response.content.decode()


def test_baselines_and_saves_of_internal_fields_only_show_nothing(founding):
    write_baselines()  # the founding data's, if loading it wrote none
    assert City.history.filter(history_change_reason=BASELINE_REASON).exists()
    bangkok = City.objects.get(slug="bangkok")
    bangkok.save()  # the same values: only the version changes
    assert bangkok.history.count() == 2
    assert Changes().page() == []
    assert "Bangkok" not in text(changes_page())


def test_a_deletion_shows_as_deleted_without_a_link():
    city = factories.city(name="Gone City")
    path = city.get_absolute_url()
    city.delete()
    response = changes_page()
    assert "Gone City deleted by the secretariat" in text(response)
    assert f'href="{path}"' not in response.content.decode()
    # The record's earlier change no longer links either: there is no page to go to.
    assert "Gone City created" in text(response)


def test_thai_and_lao_names_render():
    city = factories.city(name="เชียงใหม่")
    city.name = "ຫຼວງພະບາງ"
    city.save()
    page = text(changes_page())
    assert "name: เชียงใหม่ → ຫຼວງພະບາງ" in page


def only_city_history():
    """A city's changes alone: the state's and network's records made with it are removed."""
    state = factories.member_state()
    Network.history.all().delete()
    MemberState.history.all().delete()
    return state


def test_pages_of_changes_and_a_bad_page_is_a_404():
    state = only_city_history()
    city = factories.city(member_state=state, name="Name 0")
    for n in range(1, 60):
        city.name = f"Name {n}"
        city.save()
    first = text(changes_page())
    assert "Page 1 of 2" in first
    assert "name: Name 58 → Name 59" in first
    second = text(changes_page("/changes/?page=2"))
    assert "name: Name 0 → Name 1" in second
    assert "name: Name 58 → Name 59" not in second
    for page in ("abc", "0", "3", "١"):
        response = Client().get(f"/changes/?page={page}")
        assert response.status_code == 404, page


def test_query_counts_are_equal_for_5_and_200_changes(settings):
    counts = {}
    for size in (5, 200):
        City.history.all().delete()
        City.objects.all().delete()
        state = only_city_history()
        city = factories.city(member_state=state, name="Name 0")
        for n in range(1, size):
            city.name = f"Name {n}"
            city.save()
        with CaptureQueriesContext(connection) as queries:
            changes = Changes().page(0, 50)
        caches[settings.REGISTRY_PAGE_CACHE].clear()
        caches[settings.REGISTRY_DATA_CACHE].clear()
        with CaptureQueriesContext(connection) as page_queries:
            changes_page()
        counts[size] = (len(queries), len(page_queries))
        assert changes
    assert counts[5] == counts[200]
    assert counts[200][0] <= 4  # the count is the paginator's: keys, rows, previous, records


def test_the_feed_is_atom_newest_first_with_an_id_title_updated_and_link_per_entry():
    city = factories.city(name="Feed City")
    for n in range(3):
        city.name = f"Feed City {n}"
        city.save()
    response = Client().get("/changes/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 6  # the network, the state, the city and its three changes
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        assert entry.findtext(f"{ATOM}title")
        assert entry.findtext(f"{ATOM}updated")
        assert entry.find(f"{ATOM}link").get("href").startswith("http://testserver/")
    updated = [entry.findtext(f"{ATOM}updated") for entry in entries]
    assert updated == sorted(updated, reverse=True)
    assert "Feed City 2" in entries[0].findtext(f"{ATOM}title")
    # The same row keeps its id in the next feed.
    again = ET.fromstring(Client().get("/changes/feed/").content)
    assert again.findall(f"{ATOM}entry")[0].findtext(f"{ATOM}id") == ids[0]


def test_every_kind_of_entry_renders():
    record_some_changes()
    page = text(changes_page())
    assert "pilot city since: 2018-04-28 → empty" in page
    # A relation is told by the related records' names, not their ids.
    assert re.search(r"member state: State \w+ → Lao PDR \(test\) ", page)
    assert "ຫຼວງພະບາງ changed by import" in page
    assert "A source soon gone deleted by the secretariat" in page


def test_the_page_links_to_its_feed():
    html = changes_page().content.decode()
    assert '<link rel="alternate" type="application/atom+xml" href="/changes/feed/"' in html
