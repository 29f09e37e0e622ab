"""The confirmation round models: natural keys, constraints, the round page's counts."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from registry import confirmation
from registry.models import ConfirmationRound, Return, ReturnItem

from .. import factories
from ..conftest import make_staff

DUE = datetime.date(2027, 3, 31)


@pytest.fixture
def ret(db):
    state = factories.member_state(code="XT", name="Thailand")
    city = factories.city(member_state=state)
    factories.officer(city=city)
    factories.officer(city=city, end_date=datetime.date(2020, 1, 1), start_date=None)
    factories.officer(member_state=state)
    round_ = confirmation.open_round("2027 annual", DUE, make_staff("opener"), [state])
    return round_.returns.get()


def test_natural_keys_find_rounds_and_returns(ret):
    assert ConfirmationRound.objects.get_by_natural_key("2027 annual") == ret.round
    assert Return.objects.get_by_natural_key(*ret.natural_key()) == ret
    assert str(ret) == "Thailand, 2027 annual"


def test_progress_counts_records_in_post_and_answers(ret):
    state = ret.member_state
    confirmation.save_answers(
        ret, {confirmation.record_key(state): confirmation.Answer("confirm")}, None
    )
    counted = Return.objects.with_progress().get(pk=ret.pk)
    # The state, its representative, its city and the city's officer in post (not the former).
    assert counted.record_count == 4
    assert (counted.confirmed_count, counted.corrected_count) == (1, 0)
    assert counted.last_activity is not None


def test_overdue_means_past_due_and_not_accepted(ret):
    assert not ret.is_overdue(DUE)
    assert ret.is_overdue(DUE + datetime.timedelta(days=1))
    ret.status = Return.Status.ACCEPTED
    assert not ret.is_overdue(DUE + datetime.timedelta(days=1))


def test_an_item_names_exactly_one_record(ret):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnItem.objects.create(
            return_obj=ret, record_key="x", record_version=1, action="confirm"
        )


def test_a_handover_needs_a_date(ret):
    officer = ret.member_state.national_representatives.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnItem.objects.create(
            return_obj=ret, record_key="o", officer=officer, record_version=1, action="handover"
        )


def test_a_submitted_return_names_its_submitter(ret):
    ret.status = Return.Status.SUBMITTED
    with pytest.raises(IntegrityError), transaction.atomic():
        ret.save()


def test_one_return_per_state_and_round(ret):
    with pytest.raises(IntegrityError), transaction.atomic():
        Return.objects.create(round=ret.round, member_state=ret.member_state)
