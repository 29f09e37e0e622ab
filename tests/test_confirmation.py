"""registry.confirmation: answers stay out of the registry until a second person accepts them."""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from registry import confirmation
from registry.confirmation import Answer
from registry.models import City, Officer, Return, ReturnItem, Source

from . import factories
from .conftest import make_staff
from .test_concurrency import wait_until

Action = ReturnItem.Action


@pytest.fixture
def setting(db):
    state = factories.member_state()
    city = factories.city(member_state=state, name="Old name")
    csco = factories.officer(city=city, name="Predecessor", start_date=datetime.date(2018, 4, 1))
    secretariat = make_staff("secretariat", "Secretariat editor")
    reviewer = make_staff("reviewer", "Secretariat editor")
    round_ = confirmation.open_round(
        "2027 annual confirmation", datetime.date(2027, 3, 31), secretariat, [state]
    )
    ret = Return.objects.get(round=round_, member_state=state)
    return state, city, csco, secretariat, reviewer, ret


def key(record):
    return confirmation.record_key(record)


def test_answers_change_nothing_public_before_acceptance(setting):
    state, city, csco, secretariat, reviewer, ret = setting
    answers = {
        key(city): Answer(Action.CORRECT, {"name": "New name"}, source_note="Letter"),
        key(csco): Answer(Action.END, effective_date=datetime.date(2027, 1, 31)),
    }
    confirmation.save_answers(ret, answers, secretariat)
    confirmation.submit(ret, secretariat)
    city.refresh_from_db()
    csco.refresh_from_db()
    assert (city.name, csco.end_date, city.last_verified) == ("Old name", None, None)
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED


def test_accept_applies_answers_with_the_confirmation_source_and_history(setting):
    state, city, csco, submitter, reviewer, ret = setting
    answers = {
        key(state): Answer(Action.CONFIRM),
        key(city): Answer(Action.CORRECT, {"name": "New name"}, source_url="https://ex.org/a"),
        key(csco): Answer(
            Action.HANDOVER,
            {"name": "Successor", "designation": "Director"},
            effective_date=datetime.date(2027, 2, 1),
        ),
    }
    confirmation.save_answers(ret, answers, submitter)
    confirmation.submit(ret, submitter)
    day = datetime.date(2027, 3, 3)
    result = confirmation.accept(ret.pk, reviewer, today=day)
    assert len(result.applied) == 3 and not result.conflicts
    source = Source.objects.get(title=f"Confirmation by {state.name}, 2027 annual confirmation")
    assert source.publisher == state.name
    city.refresh_from_db()
    csco.refresh_from_db()
    state.refresh_from_db()
    successor = Officer.objects.get(name="Successor")
    assert city.name == "New name"
    assert csco.end_date == datetime.date(2027, 1, 31)
    assert successor.start_date == datetime.date(2027, 2, 1) and successor.city == city
    for record in (state, city, csco, successor):
        assert record.last_verified == day
        assert source in record.sources.all()
    latest = city.history.first()
    assert latest.history_user == reviewer
    assert "2027 annual confirmation" in latest.history_change_reason
    assert "submitted by secretariat" in latest.history_change_reason
    assert "accepted by reviewer" in latest.history_change_reason
    # The historical record lists its sources as rows of its own, each naming a source.
    assert [row.source_id for row in latest.sources.all()] == [s.pk for s in city.sources.all()]


def test_the_submitter_cannot_accept_their_own_return(setting):
    state, city, csco, submitter, reviewer, ret = setting
    confirmation.save_answers(ret, {key(city): Answer(Action.CONFIRM)}, submitter)
    confirmation.submit(ret, submitter)
    with pytest.raises(confirmation.RoundError, match="other than its submitter"):
        confirmation.accept(ret.pk, submitter)
    city.refresh_from_db()
    assert city.last_verified is None


def test_a_second_acceptance_is_told_the_return_is_accepted_already(setting):
    state, city, csco, submitter, reviewer, ret = setting
    confirmation.save_answers(ret, {key(city): Answer(Action.CONFIRM)}, submitter)
    confirmation.submit(ret, submitter)
    confirmation.accept(ret.pk, reviewer)
    other = make_staff("other-reviewer", "Secretariat editor")
    with pytest.raises(confirmation.AlreadyDecided, match="already been accepted"):
        confirmation.accept(ret.pk, other)


def test_a_staff_edit_during_review_is_kept_and_its_answer_refused(setting):
    state, city, csco, submitter, reviewer, ret = setting
    answers = {
        key(city): Answer(Action.CORRECT, {"name": "From the state"}, source_note="Call"),
        key(csco): Answer(Action.CONFIRM),
    }
    confirmation.save_answers(ret, answers, submitter)
    confirmation.submit(ret, submitter)
    staff_copy = City.objects.get(pk=city.pk)
    staff_copy.name = "From staff"
    staff_copy.save()
    result = confirmation.accept(ret.pk, reviewer)
    city.refresh_from_db()
    csco.refresh_from_db()
    assert city.name == "From staff"
    assert [item.city for item in result.conflicts] == [city]
    assert "changed by staff" in result.conflicts[0].decision_note
    assert ReturnItem.objects.get(city=city).decision == ReturnItem.Decision.CONFLICT
    assert csco.last_verified is not None


def test_a_submitted_return_is_frozen_until_returned_for_changes(setting):
    state, city, csco, submitter, reviewer, ret = setting
    confirmation.save_answers(ret, {key(city): Answer(Action.CONFIRM)}, submitter)
    ret = confirmation.submit(ret, submitter)
    with pytest.raises(confirmation.RoundError, match="can no longer be changed"):
        confirmation.save_answers(ret, {key(city): None}, submitter)
    ret = confirmation.return_for_changes(ret.pk, reviewer, "Check the city's name")
    assert ret.status == Return.Status.RETURNED and ret.review_comment
    confirmation.save_answers(ret, {key(city): None}, submitter)
    assert not ret.items.exists()


def test_answers_for_records_outside_the_return_are_refused(setting):
    state, city, csco, submitter, reviewer, ret = setting
    elsewhere = factories.city()
    with pytest.raises(confirmation.RoundError, match="not part of this return"):
        confirmation.save_answers(ret, {key(elsewhere): Answer(Action.CONFIRM)}, submitter)
    with pytest.raises(confirmation.RoundError, match="cannot be"):
        confirmation.save_answers(
            ret,
            {key(city): Answer(Action.HANDOVER, effective_date=datetime.date(2027, 1, 1))},
            submitter,
        )
    with pytest.raises(confirmation.RoundError, match="cannot be"):
        confirmation.save_answers(
            ret,
            {key(state): Answer(Action.END, effective_date=datetime.date(2027, 1, 1))},
            submitter,
        )
    assert not ret.items.exists()


# serialized_rollback: as in tests/test_concurrency.py, the migrations' groups come back.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_two_reviewers_accepting_at_once_apply_it_once():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs row locks seen from a second connection: SQLite has no SELECT ... FOR "
            "UPDATE, and its test database is in memory, private to one connection"
        )
    state = factories.member_state()
    city = factories.city(member_state=state)
    submitter = make_staff("submitter", "Secretariat editor")
    alice = make_staff("alice", "Secretariat editor")
    bob = make_staff("bob", "Secretariat editor")
    round_ = confirmation.open_round("Concurrent round", datetime.date(2027, 3, 31), submitter)
    ret = round_.returns.get(member_state=state)
    confirmation.save_answers(ret, {key(city): Answer(Action.CONFIRM)}, submitter)
    confirmation.submit(ret, submitter)
    alice_accepted, alice_may_commit = threading.Event(), threading.Event()
    outcome = {}

    def alice_accepts():
        try:
            with transaction.atomic():
                confirmation.accept(ret.pk, alice)
                alice_accepted.set()
                alice_may_commit.wait(timeout=30)
        finally:
            connections.close_all()

    def bob_accepts():
        try:
            confirmation.accept(ret.pk, bob)
        except confirmation.RoundError as error:
            outcome["bob"] = error
        finally:
            connections.close_all()

    alice_thread = threading.Thread(target=alice_accepts)
    alice_thread.start()
    assert alice_accepted.wait(timeout=30)
    bob_thread = threading.Thread(target=bob_accepts)
    bob_thread.start()
    wait_until(lambda: lock_waits() == 1)
    alice_may_commit.set()
    alice_thread.join(timeout=30)
    bob_thread.join(timeout=30)
    assert isinstance(outcome["bob"], confirmation.AlreadyDecided)
    assert "already been accepted" in str(outcome["bob"])
    ret.refresh_from_db()
    assert ret.reviewed_by == alice
    assert City.history.filter(id=city.pk, history_user=alice).count() == 1
    assert not City.history.filter(id=city.pk, history_user=bob).exists()


def lock_waits():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_the_confirmation_source_of_a_state_named_in_its_script_keeps_the_marks(db):
    state = factories.member_state(name="ປະເທດລາວ")
    secretariat = make_staff("secretariat", "Secretariat editor")
    reviewer = make_staff("reviewer", "Secretariat editor")
    round_ = confirmation.open_round("ຮອບ 2027", datetime.date(2027, 3, 31), secretariat, [state])
    ret = Return.objects.get(round=round_, member_state=state)
    confirmation.save_answers(ret, {key(state): Answer(Action.CONFIRM)}, secretariat)
    confirmation.submit(ret, secretariat)
    confirmation.accept(ret.pk, reviewer, today=datetime.date(2027, 3, 3))
    source = Source.objects.get(publisher="ປະເທດລາວ")
    assert source.slug == f"confirmation-{ret.pk}-confirmation-by-ປະເທດລາວ-ຮອບ-2027"
    source.full_clean()
