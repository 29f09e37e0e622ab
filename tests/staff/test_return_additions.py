"""A state adds what the registry lacks: a pilot city, a CSCO of one of its cities, a national
representative. Nothing is created before the return is accepted, and then with its source."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry import confirmation
from registry.models import City, Officer, ReturnItem

from .. import factories
from ..conftest import make_staff
from .test_return_sheets import download, rows_by_record, save, upload, url
from .test_rounds import accept_all, logged_in, return_form_data, state_editor

Action = ReturnItem.Action


@pytest.fixture
def world(db):
    network = factories.network()
    thailand = factories.member_state(network=network, name="Thailand", code="XT")
    laos = factories.member_state(network=network, name="Laos", code="XL")
    bangkok = factories.city(member_state=thailand, name="Bangkok")
    vientiane = factories.city(member_state=laos, name="Vientiane")
    editor = state_editor("thai", thailand)
    secretariat = make_staff("secretariat", "Secretariat editor")
    round_ = confirmation.open_round(
        "2027 annual confirmation", timezone.localdate(), secretariat, [thailand, laos]
    )
    return {
        "state": thailand,
        "bangkok": bangkok,
        "vientiane": vientiane,
        "return": round_.returns.get(member_state=thailand),
        "client": logged_in(editor),
        "editor": editor,
        "secretariat": secretariat,
    }


def add_on_the_page(client, ret, **values):
    data = return_form_data(client, ret)
    data.update(values)
    return client.post(ret.get_absolute_url(), {**data, "save": "1"})


def test_additions_made_on_the_page_are_created_only_when_accepted(world):
    client, ret, bangkok = world["client"], world["return"], world["bangkok"]
    response = add_on_the_page(
        client,
        ret,
        **{
            "add-new-city-name": "ขอนแก่น",
            "add-new-city-pilot_since": "2019-07-01",
            "add-new-city-source_url": "https://example.org/khon-kaen",
            "add-new-officer-name": "สมหญิง รักดี",
            "add-new-officer-post": f"city:{bangkok.pk}",
            "add-new-officer-designation": "Director, Smart City Office",
            "add-new-officer-start_date": "2026-05-01",
            "add-new-officer-source_note": "Letter of the Bangkok governor, May 2026",
        },
    )
    assert response.status_code == 302, response.content.decode()
    items = {item.record_key: item for item in ret.items.all()}
    assert set(items) == {"add:1", "add:2"}
    assert not City.objects.filter(name="ขอนแก่น").exists()  # nothing public before acceptance

    # Saved additions come back as their own forms, with a blank one of each kind below.
    again = return_form_data(client, ret)
    assert again["add-1-name"] == "ขอนแก่น" and again["add-2-name"] == "สมหญิง รักดี"
    assert again["add-new-city-name"] == ""
    confirmation.submit(ret, world["editor"])
    review = logged_in(world["secretariat"]).get(ret.get_absolute_url())
    text = review.content.decode()
    assert (
        "New pilot city of Thailand" in text and "New Chief Smart City Officer of Bangkok" in text
    )
    assert "name: — → ขอนแก่น" in text

    review_url = reverse("admin:registry_confirmationround_review", args=[ret.pk])
    reviewer = logged_in(world["secretariat"])
    assert reviewer.post(review_url, accept_all(ret)).status_code == 302
    city = City.objects.get(name="ขอนแก่น")
    assert city.member_state == world["state"] and city.pilot_since == datetime.date(2019, 7, 1)
    assert city.last_verified == timezone.localdate()
    assert [s.title for s in city.sources.all()] == [
        "Confirmation by Thailand, 2027 annual confirmation"
    ]
    officer = Officer.objects.get(name="สมหญิง รักดี")
    assert (officer.city, officer.role, officer.start_date) == (
        bangkok,
        Officer.Role.CSCO,
        datetime.date(2026, 5, 1),
    )
    # An addition names where it adds; it confirms neither the state nor the city.
    assert City.objects.with_confirmation().get(pk=bangkok.pk).confirmed_at is None
    assert "ขอนแก่น" in Client().get(city.get_absolute_url()).content.decode()


def test_a_saved_addition_cleared_of_its_name_is_withdrawn(world):
    client, ret = world["client"], world["return"]
    add_on_the_page(
        client, ret, **{"add-new-city-name": "Khon Kaen", "add-new-city-source_note": "Note"}
    )
    assert ret.items.filter(action=Action.ADD).count() == 1
    add_on_the_page(client, ret, **{"add-1-name": ""})
    assert not ret.items.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"add-new-city-name": "Khon Kaen"}, "Give a source for the addition"),
        (
            {
                "add-new-officer-name": "Someone",
                "add-new-officer-post": "city:999999",
                "add-new-officer-source_note": "A note",
            },
            "Select a valid choice",
        ),
        ({"add-new-city-name": "Khon Kaen", "add-new-city-source_url": "not a url"}, "valid URL"),
    ],
)
def test_an_invalid_addition_is_a_400_that_saves_nothing(world, values, message):
    response = add_on_the_page(world["client"], world["return"], **values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not world["return"].items.exists()


def test_an_addition_to_another_states_city_is_refused(world):
    ret = world["return"]
    answer = confirmation.Answer(
        Action.ADD,
        {
            "kind": "officer",
            "name": "X",
            "designation": "",
            "start_date": "",
            "post": f"city:{world['vientiane'].pk}",
        },
        source_note="n",
    )
    with pytest.raises(confirmation.RoundError):
        confirmation.save_answers(ret, {"add:new-officer": answer}, None)
    assert not ret.items.exists()


def test_adding_a_city_the_state_has_already_is_a_conflict_at_acceptance(world):
    ret = world["return"]
    answer = confirmation.Answer(
        Action.ADD,
        {"kind": "city", "name": "Bangkok", "pilot_since": "", "action_plan_url": ""},
        source_note="n",
    )
    editor = make_staff("thai2", "Secretariat editor")
    confirmation.save_answers(ret, {"add:new-city": answer}, editor)
    confirmation.submit(ret, editor)
    result = confirmation.accept(ret.pk, world["secretariat"])
    assert [item.record_key for item in result.conflicts] == ["add:1"]
    assert City.objects.filter(name="Bangkok").count() == 1


def test_additions_travel_through_the_spreadsheet(world):
    client, ret = world["client"], world["return"]
    workbook = download(client, ret)
    sheet = workbook["return"]
    headers = [cell.value for cell in sheet[1]]

    def append(**values):
        sheet.append([values.get(column, "") for column in headers])

    append(
        kind="city",
        name="ขอนแก่น",
        answer="add",
        source_url="https://example.org/kk",
        pilot_since=datetime.date(2019, 7, 1),
    )
    append(
        kind="Chief Smart City Officer",
        city="Bangkok",
        name="สมหญิง รักดี",
        answer="add",
        designation="Director",
        source_note="Letter",
    )
    append(kind="National Representative", name="ນາງ ສົມໃຈ", answer="add", source_note="Letter")
    preview = upload(client, ret, save(workbook))
    assert preview.status_code == 200, preview.content.decode()
    text = preview.content.decode()
    assert "New pilot city of Thailand" in text
    assert "New Chief Smart City Officer of Bangkok" in text
    assert "New National Representative of Thailand" in text
    token = preview.context["answers_token"]
    assert client.post(url("upload", ret), {"answers": token, "confirm": "1"}).status_code == 302
    assert ret.items.filter(action=Action.ADD).count() == 3

    # Downloaded again, the additions are rows of their own ("add:N") that upload as no change.
    _headers, rows = rows_by_record(download(client, ret))
    assert {rows[f"add:{n}"]["name"].value for n in (1, 2, 3)} == {
        "ขอนแก่น",
        "สมหญิง รักดี",
        "ນາງ ສົມໃຈ",
    }
    assert rows["add:2"]["city"].value == "Bangkok"
    before = {(i.record_key, str(i.proposed_values), i.updated) for i in ret.items.all()}
    token = upload(client, ret, save(download(client, ret))).context["answers_token"]
    client.post(url("upload", ret), {"answers": token, "confirm": "1"})
    assert {(i.record_key, str(i.proposed_values), i.updated) for i in ret.items.all()} == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": "city", "name": "X", "answer": "confirm"}, "write &#x27;add&#x27;"),
        (
            {
                "kind": "Chief Smart City Officer",
                "city": "Vientiane",
                "name": "X",
                "answer": "add",
                "source_note": "n",
            },
            "needs the name of one of Thailand",
        ),
        ({"kind": "mayor", "name": "X", "answer": "add", "source_note": "n"}, "Its kind says"),
        ({"kind": "city", "name": "X", "answer": "add"}, "Give a source for the addition"),
        ({"record": "add:9", "kind": "city", "name": "X", "answer": "add"}, "not an addition"),
    ],
)
def test_a_bad_addition_row_refuses_the_whole_file(world, values, message):
    client, ret = world["client"], world["return"]
    workbook = download(client, ret)
    sheet = workbook["return"]
    headers = [cell.value for cell in sheet[1]]
    _h, rows = rows_by_record(workbook)
    rows[confirmation.record_key(world["state"])]["answer"].value = "confirm"
    sheet.append([values.get(column, "") for column in headers])
    response = upload(client, ret, save(workbook))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ret.items.exists()
