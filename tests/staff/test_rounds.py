"""The confirmation rounds in the admin, through Django's test client, end to end."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import confirmation, permissions
from registry.models import City, ConfirmationRound, MemberStateEditor, Officer, Return

from .. import factories
from ..conftest import make_staff


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def state_editor(username, state):
    user = make_staff(username, permissions.MEMBER_STATE_EDITOR_GROUP, email=f"{username}@ex.org")
    MemberStateEditor.objects.create(user=user, member_state=state)
    return user


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def accept_all(ret):
    """The review form as posted with every answer ticked."""
    return {"decision": "accept", "accepted": [item.record_key for item in ret.items.all()]}


def prefix(record):
    return confirmation.record_key(record).replace(":", "-")


def return_form_data(client, ret):
    """The return page's form as a browser would post it unchanged."""
    page = client.get(ret.get_absolute_url())
    assert page.status_code == 200
    data = {}
    for section in page.context["sections"]:
        for form in section[1]:
            for name in form.fields:
                value = form[name].value()
                data[form.add_prefix(name)] = "" if value is None else value
    return data


@pytest.fixture
def two_states(db):
    network = factories.network()
    thailand = factories.member_state(network=network, name="Thailand", code="XT")
    laos = factories.member_state(network=network, name="Laos", code="XL")
    bangkok = factories.city(member_state=thailand, name="Bangkok")
    phuket = factories.city(member_state=thailand, name="Phuket")
    csco = factories.officer(city=bangkok, name="Old CSCO", start_date=datetime.date(2018, 4, 1))
    factories.city(member_state=laos, name="Vientiane")
    return thailand, laos, bangkok, phuket, csco


def open_round_in_admin(client, states, due):
    response = client.post(
        reverse("admin:registry_confirmationround_add"),
        {
            "title": "2027 annual confirmation",
            "due_date": due.isoformat(),
            "member_states": [state.pk for state in states],
        },
    )
    assert response.status_code == 302, response.content
    return ConfirmationRound.objects.get(title="2027 annual confirmation")


def test_a_whole_round_end_to_end(two_states):
    thailand, laos, bangkok, phuket, csco = two_states
    secretariat = make_staff("secretariat", "Secretariat editor")
    reviewer = make_staff("reviewer", "Secretariat editor")
    thai_editor = state_editor("thai", thailand)
    state_editor("lao", laos)
    due = timezone.localdate() - datetime.timedelta(days=1)
    round_ = open_round_in_admin(logged_in(secretariat), [thailand, laos], due)
    thai_return = round_.returns.get(member_state=thailand)
    lao_return = round_.returns.get(member_state=laos)

    thai = logged_in(thai_editor)
    data = return_form_data(thai, thai_return)
    data[f"{prefix(thailand)}-action"] = "confirm"
    data[f"{prefix(bangkok)}-action"] = "correct"
    data[f"{prefix(bangkok)}-correct_name"] = "Krung Thep"
    data[f"{prefix(bangkok)}-source_url"] = "https://example.org/bangkok"
    data[f"{prefix(csco)}-action"] = "handover"
    data[f"{prefix(csco)}-new_name"] = "New CSCO"
    data[f"{prefix(csco)}-effective_date"] = "2027-01-15"
    assert thai.post(thai_return.get_absolute_url(), {**data, "save": "1"}).status_code == 302
    bangkok.refresh_from_db()
    assert bangkok.name == "Bangkok"  # saved work changes nothing public
    assert thai.post(thai_return.get_absolute_url(), {**data, "submit": "1"}).status_code == 302
    thai_return.refresh_from_db()
    assert thai_return.status == Return.Status.SUBMITTED
    frozen = thai.post(thai_return.get_absolute_url(), {**data, "save": "1"})
    assert frozen.status_code == 403

    under_review = logged_in(reviewer).get(thai_return.get_absolute_url())
    assert under_review.context["may_review"]
    assert "name: Bangkok → Krung Thep" in under_review.content.decode()
    assert "https://example.org/bangkok" in under_review.content.decode()

    review_url = reverse("admin:registry_confirmationround_review", args=[thai_return.pk])
    own = logged_in(secretariat)  # another secretariat editor than the submitter, "thai"
    assert own.post(review_url, accept_all(thai_return)).status_code == 302
    thai_return.refresh_from_db()
    assert thai_return.status == Return.Status.ACCEPTED
    again = logged_in(reviewer).post(review_url, accept_all(thai_return))
    assert again.status_code == 409
    assert b"already been accepted" in again.content

    bangkok.refresh_from_db()
    csco.refresh_from_db()
    successor = Officer.objects.get(name="New CSCO")
    assert bangkok.name == "Krung Thep" and bangkok.last_verified == timezone.localdate()
    assert csco.end_date == datetime.date(2027, 1, 14)
    assert successor.start_date == datetime.date(2027, 1, 15)

    public = Client()
    city_page = public.get(bangkok.get_absolute_url())
    assert city_page.status_code == 200
    assert "New CSCO" in city_page.content.decode()
    cities = public.get(reverse("registry:city-list") + "?format=csv")
    assert cities.status_code == 200 and "Krung Thep" in body(cities)
    officers = body(public.get(reverse("registry:officer-list") + "?format=json"))
    assert "New CSCO" in officers
    assert "New CSCO" in body(public.get(reverse("registry:popolo")))
    source_title = "Confirmation by Thailand, 2027 annual confirmation"
    assert source_title in public.get(reverse("registry:source-list")).content.decode()
    history = bangkok.history.first()
    assert history.history_user.username == "secretariat"
    assert "submitted by thai" in history.history_change_reason

    page = logged_in(reviewer).get(round_.get_absolute_url())
    rows = {row["return"].member_state.code: row for row in page.context["rows"]}
    assert rows["XT"]["return"].status == Return.Status.ACCEPTED
    assert not rows["XT"]["overdue"]
    assert rows["XL"]["overdue"] and rows["XL"]["waits_on"] == "lao"
    assert rows["XL"]["outstanding"] == 2  # Laos itself and Vientiane
    assert rows["XT"]["return"].confirmed_count == 1
    assert rows["XT"]["return"].corrected_count == 2
    assert b"overdue" in page.content
    assert lao_return.items.count() == 0


def test_invalid_answers_are_a_400_that_saves_nothing(two_states):
    thailand, laos, bangkok, phuket, csco = two_states
    thai_editor = state_editor("thai", thailand)
    round_ = confirmation.open_round("R", timezone.localdate(), thai_editor, [thailand])
    ret = round_.returns.get()
    client = logged_in(thai_editor)
    data = return_form_data(client, ret)
    data[f"{prefix(bangkok)}-action"] = "correct"
    data[f"{prefix(bangkok)}-correct_name"] = "Krung Thep"  # no source
    data[f"{prefix(csco)}-action"] = "handover"  # no successor, no date
    response = client.post(ret.get_absolute_url(), {**data, "submit": "1"})
    assert response.status_code == 400
    assert "Give a source" in response.content.decode()
    ret.refresh_from_db()
    assert ret.status == Return.Status.NOT_STARTED and not ret.items.exists()


@pytest.fixture
def rounds_world(two_states):
    thailand, laos, *_ = two_states
    secretariat = make_staff("secretariat", "Secretariat editor")
    round_ = confirmation.open_round("R", timezone.localdate(), secretariat, [thailand, laos])
    return {
        "round": round_,
        "own": round_.returns.get(member_state=thailand),
        "other": round_.returns.get(member_state=laos),
        "thai": state_editor("thai", thailand),
        "viewer": make_staff("viewer", "Secretariat viewer"),
        "secretariat": secretariat,
        "city": two_states[2],
    }


def test_a_member_state_editor_sees_only_their_own_states_return(rounds_world):
    client = logged_in(rounds_world["thai"])
    assert client.get(rounds_world["own"].get_absolute_url()).status_code == 200
    assert client.get(rounds_world["other"].get_absolute_url()).status_code == 404
    page = client.get(rounds_world["round"].get_absolute_url())
    assert [row["return"] for row in page.context["rows"]] == [rounds_world["own"]]
    other_post = client.post(rounds_world["other"].get_absolute_url(), {"save": "1"})
    assert other_post.status_code == 404


def test_a_member_state_editor_cannot_accept_or_open_rounds(rounds_world):
    ret = rounds_world["own"]
    confirmation.save_answers(
        ret, {confirmation.record_key(rounds_world["city"]): confirmation.Answer("confirm")}, None
    )
    confirmation.submit(ret, rounds_world["secretariat"])
    client = logged_in(rounds_world["thai"])
    review_url = reverse("admin:registry_confirmationround_review", args=[ret.pk])
    assert client.post(review_url, {"decision": "accept"}).status_code == 403
    assert client.get(reverse("admin:registry_confirmationround_add")).status_code == 403
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED


def test_the_submitter_cannot_accept_their_own_return_in_the_admin(rounds_world):
    ret = rounds_world["own"]
    secretariat = rounds_world["secretariat"]
    key = confirmation.record_key(rounds_world["city"])
    confirmation.save_answers(ret, {key: confirmation.Answer("confirm")}, secretariat)
    confirmation.submit(ret, secretariat)
    client = logged_in(secretariat)
    assert not client.get(ret.get_absolute_url()).context["may_review"]
    review_url = reverse("admin:registry_confirmationround_review", args=[ret.pk])
    response = client.post(review_url, accept_all(ret))
    assert response.status_code == 400
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED


def test_viewers_see_rounds_and_returns_and_change_nothing(rounds_world):
    client = logged_in(rounds_world["viewer"])
    page = client.get(rounds_world["round"].get_absolute_url())
    assert len(page.context["rows"]) == 2
    ret = rounds_world["own"]
    assert client.get(ret.get_absolute_url()).status_code == 200
    assert client.post(ret.get_absolute_url(), {"save": "1"}).status_code == 403
    review_url = reverse("admin:registry_confirmationround_review", args=[ret.pk])
    assert client.post(review_url, {"decision": "accept"}).status_code == 403
    assert client.get(reverse("admin:registry_confirmationround_add")).status_code == 403
    assert not ret.items.exists()


def test_anonymous_users_reach_no_round_page(rounds_world):
    client = Client()
    for url in (rounds_world["round"].get_absolute_url(), rounds_world["own"].get_absolute_url()):
        assert client.get(url).status_code == 302  # to the admin's login


def world_of(state_count, cities_per_state):
    network = factories.network()
    secretariat = make_staff(f"s{state_count}", "Secretariat editor")
    states = [factories.member_state(network=network) for _ in range(state_count)]
    for state in states:
        cities = City.objects.bulk_create(
            City(
                name=f"{state.code} city {n}",
                slug=f"{state.code.lower()}-city-{n}",
                member_state=state,
                network=network,
            )
            for n in range(cities_per_state)
        )
        Officer.objects.bulk_create(
            Officer(name=f"CSCO {city.name}", city=city, search_text="") for city in cities
        )
        factories.officer(member_state=state, name=f"NR {state.code}")
    round_ = confirmation.open_round(
        f"Round {state_count}", timezone.localdate(), secretariat, states
    )
    return secretariat, round_


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_round_and_return_pages_query_counts_do_not_grow_with_states_or_cities(db):
    counts = []
    for states in (2, 10):
        secretariat, round_ = world_of(states, 200)
        client = logged_in(secretariat)
        ret = round_.returns.first()
        client.get(round_.get_absolute_url())  # the session and permission caches, once
        counts.append(
            (
                queries_of(client, round_.get_absolute_url()),
                queries_of(client, ret.get_absolute_url()),
            )
        )
        rows = client.get(round_.get_absolute_url()).context["rows"]
        assert len(rows) == states and all(row["outstanding"] == 402 for row in rows)
    print("queries (round page, return page) with 2 and 10 states:", counts)
    assert counts[0] == counts[1], json.dumps(counts)


def test_a_reviewer_accepts_a_return_record_by_record(two_states):
    thailand, laos, bangkok, phuket, csco = two_states
    editor = state_editor("thai", thailand)
    reviewer = make_staff("reviewer", "Secretariat editor")
    round_ = confirmation.open_round("R", timezone.localdate(), editor, [thailand])
    ret = round_.returns.get()
    key = confirmation.record_key
    confirmation.save_answers(
        ret,
        {
            key(bangkok): confirmation.Answer(
                "correct", {"name": "Krung Thep"}, source_note="Letter of the ministry"
            ),
            key(phuket): confirmation.Answer("correct", {"name": "Phuket City"}, "https://x.org"),
        },
        editor,
    )
    confirmation.submit(ret, editor)
    client = logged_in(reviewer)
    form = client.get(ret.get_absolute_url()).context["review_form"]
    assert set(form["accepted"].initial) == {key(bangkok), key(phuket)}  # all ticked
    review_url = reverse("admin:registry_confirmationround_review", args=[ret.pk])

    nothing = client.post(review_url, {"decision": "accept"})
    assert nothing.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED  # nothing ticked: nothing decided

    assert (
        client.post(review_url, {"decision": "accept", "accepted": [key(bangkok)]}).status_code
        == 302
    )
    bangkok.refresh_from_db()
    phuket.refresh_from_db()
    assert (bangkok.name, phuket.name) == ("Krung Thep", "Phuket")
    decisions = {item.record_key: item.decision for item in ret.items.all()}
    assert decisions == {key(bangkok): "applied", key(phuket): "declined"}
    ret.refresh_from_db()
    assert ret.status == Return.Status.ACCEPTED
    page = client.get(ret.get_absolute_url()).content.decode()
    assert "not accepted by the reviewer" in page
