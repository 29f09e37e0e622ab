import pytest
from django.db import connection, transaction
from django.urls import reverse

from registry.history import bulk_create_with_history, bulk_update_with_history, recorded_as
from registry.models import Agreement, City, MemberState, Officer, Organisation, Source

from . import factories

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:registry_{model._meta.model_name}_{view}", args=args)


def city_form_data(city, **changes):
    """The POST of the city's admin form as it stands, with `changes` applied."""
    data = {
        "name": city.name,
        "slug": city.slug,
        "member_state": city.member_state_id,
        "latitude": city.latitude if city.latitude is not None else "",
        "longitude": city.longitude if city.longitude is not None else "",
        "pilot_since": city.pilot_since or "",
        "pilot_since_precision": city.pilot_since_precision,
        "action_plan_url": city.action_plan_url,
        "network": city.network_id,
        "sources": [source.pk for source in city.sources.all()],
        "last_verified": city.last_verified or "",
        "version": city.version,
        "officers-TOTAL_FORMS": "0",
        "officers-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_an_admin_edit_records_who_when_and_the_old_and_new_values(
    founding, editor_client, editor
):
    city = City.objects.get(name="Phnom Penh")
    old_latitude = city.latitude
    with recorded_as(reason="baseline"):
        city.save()
    response = editor_client.post(
        admin_url(City, "change", city.pk), city_form_data(city, latitude="11.60000")
    )
    assert response.status_code == 302

    record = city.history.latest()
    assert record.history_user == editor
    assert record.history_type == "~"
    delta = record.diff_against(record.prev_record, excluded_fields=["version"])
    assert [(c.field, c.old, str(c.new)) for c in delta.changes] == [
        ("latitude", old_latitude, "11.60000")
    ]
    city.refresh_from_db()
    assert city.version == 3


def test_the_history_page_shows_each_change_as_old_and_new_value(founding, editor_client):
    city = City.objects.get(name="Phnom Penh")
    old_latitude = city.latitude
    editor_client.post(admin_url(City, "change", city.pk), city_form_data(city, name="Phnom Penh"))
    city.refresh_from_db()
    editor_client.post(
        admin_url(City, "change", city.pk), city_form_data(city, latitude="11.60000")
    )

    page = editor_client.get(admin_url(City, "history", city.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Latitude:" in text
    assert f"{old_latitude}" in text and "11.60000" in text
    # The version only counts saves: never shown as a change.
    assert "Version:" not in text
    assert "editor" in text


def test_one_admin_save_is_one_historical_record_with_its_sources(founding, editor_client):
    city = City.objects.get(name="Phnom Penh")
    before = city.history.count()
    new_source = Source.objects.exclude(cities=city).first()
    response = editor_client.post(
        admin_url(City, "change", city.pk),
        city_form_data(city, sources=[new_source.pk], latitude="11.61000"),
    )
    assert response.status_code == 302
    assert city.history.count() == before + 1
    record = city.history.latest()
    assert [row.source for row in record.sources.all()] == [new_source]

    page = editor_client.get(admin_url(City, "history", city.pk)).content.decode()
    city.refresh_from_db()
    editor_client.post(admin_url(City, "change", city.pk), city_form_data(city, sources=[]))
    page = editor_client.get(admin_url(City, "history", city.pk)).content.decode()
    assert "Sources:" in page and new_source.title in page


def test_an_editor_reverts_a_record_to_an_earlier_version(founding, editor_client, editor):
    city = City.objects.get(name="Phnom Penh")
    editor_client.post(admin_url(City, "change", city.pk), city_form_data(city))
    first = city.history.latest()
    city.refresh_from_db()
    editor_client.post(
        admin_url(City, "change", city.pk), city_form_data(city, name="Phnom Penh Capital")
    )
    city.refresh_from_db()
    assert city.name == "Phnom Penh Capital"

    revert_url = reverse("admin:registry_city_simple_history", args=[city.pk, first.pk])
    form_page = editor_client.get(revert_url)
    assert form_page.status_code == 200
    assert b'value="Revert"' in form_page.content
    # The revert form carries the current version, not the old one it shows.
    assert form_page.context["adminform"].form.initial["version"] == city.version

    response = editor_client.post(
        revert_url, city_form_data(city, name=first.name, version=city.version)
    )
    assert response.status_code == 302
    city.refresh_from_db()
    assert city.name == "Phnom Penh"
    assert city.history.latest().history_user == editor


def test_a_viewer_sees_history_but_cannot_revert(founding, editor_client, viewer, client):
    city = City.objects.get(name="Phnom Penh")
    editor_client.post(admin_url(City, "change", city.pk), city_form_data(city))
    first = city.history.latest()
    city.refresh_from_db()
    editor_client.post(admin_url(City, "change", city.pk), city_form_data(city, name="Renamed"))
    city.refresh_from_db()

    client.force_login(viewer)
    assert client.get(admin_url(City, "history", city.pk)).status_code == 200
    revert_url = reverse("admin:registry_city_simple_history", args=[city.pk, first.pk])
    page = client.get(revert_url)
    assert page.status_code == 200
    assert b'value="Revert"' not in page.content
    # simple-history alone would save this POST; the registry refuses it.
    response = client.post(revert_url, city_form_data(city, name=first.name))
    assert response.status_code == 403
    city.refresh_from_db()
    assert city.name == "Renamed"


def test_deleting_in_the_admin_records_who_deleted(founding, editor_client, editor):
    officer = Officer.objects.get(name="Seng Vannak")
    response = editor_client.post(admin_url(Officer, "delete", officer.pk), {"post": "yes"})
    assert response.status_code == 302
    record = Officer.history.filter(id=officer.pk).latest()
    assert record.history_type == "-"
    assert record.history_user == editor


def test_changes_outside_a_request_are_attributed_with_recorded_as(editor):
    state = factories.member_state()
    with recorded_as(user=editor, reason="import_registry registry.xlsx"):
        city = factories.city(member_state=state)
        with recorded_as(reason="nested"):
            city.name = "Renamed"
            city.save()
        city_id = city.pk
        city.delete()
    created, renamed, deleted = City.history.filter(id=city_id).order_by("history_date")
    assert (created.history_type, created.history_user, created.history_change_reason) == (
        "+",
        editor,
        "import_registry registry.xlsx",
    )
    assert (renamed.history_user, renamed.history_change_reason) == (editor, "nested")
    assert (deleted.history_type, deleted.history_user) == ("-", editor)

    # Outside any block nothing is attributed.
    other = factories.city(member_state=state)
    record = other.history.latest()
    assert (record.history_user, record.history_change_reason) == (None, None)


def test_bulk_writes_record_history_attributed_and_bump_versions(editor):
    network = factories.network()
    states = [
        MemberState(
            name=f"State Q{letter}",
            code=f"Q{letter}",
            code_alpha3=f"QQ{letter}",
            slug=f"state-q{letter.lower()}",
            network=network,
        )
        for letter in "ABC"
    ]
    with recorded_as(user=editor, reason="Import of states.csv"):
        created = bulk_create_with_history(states, MemberState)
        for state in created:
            state.name += " (renamed)"
        bulk_update_with_history(created, MemberState, ["name"])

    assert MemberState.history.filter(history_type="+").count() == 3
    updates = MemberState.history.filter(history_type="~")
    assert updates.count() == 3
    assert set(updates.values_list("history_user", "history_change_reason")) == {
        (editor.pk, "Import of states.csv")
    }
    assert set(MemberState.objects.values_list("version", flat=True)) == {2}
    assert all(name.endswith("(renamed)") for name in updates.values_list("name", flat=True))


def test_a_rolled_back_change_leaves_no_history():
    city = factories.city()
    before = City.history.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        city.name = "Dry run"
        city.save()
        factories.city(member_state=city.member_state)
        raise RuntimeError("dry run")
    assert City.history.count() == before


def test_agreement_parties_are_kept_in_its_history(founding, editor):
    agreement = Agreement.objects.exclude(parties=None).first()
    parties = list(agreement.parties.all())
    with recorded_as(user=editor, reason="test"):
        agreement.save()
        agreement.parties.set(parties[:1])
    latest = agreement.history.latest()
    assert [row.organisation for row in latest.parties.all()] == parties[:1]
    assert Organisation.objects.count() >= len(parties)


def test_a_row_written_without_django_starts_at_version_one():
    # COPY and hand-written SQL (the benchmarks load officers with COPY) name no version.
    source = factories.source()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_source (title, slug, publisher, published_on, url, "
            "retrieved_on, note) SELECT title || ' copy', slug || '-copy', publisher, "
            "published_on, url, retrieved_on, note FROM registry_source WHERE id = %s",
            [source.pk],
        )
    assert Source.objects.get(slug=source.slug + "-copy").version == 1
