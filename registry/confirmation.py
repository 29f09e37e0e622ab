"""
Confirmation rounds as operations: open a round, fill in and submit a return, and review it.

Nothing here changes a registry record before accept(): a return holds the state's answers
(ReturnItem) beside the records. accept() applies them in one transaction, each answer only if
its record is still at the version the state answered (otherwise it is refused as a conflict
and the staff edit stands), with the change history naming the round, the submitter and the
reviewer::

    round = open_round("2027 annual confirmation", due, opened_by=user)
    save_answers(ret, {"city:12": Answer(ReturnItem.Action.CONFIRM)}, user)
    submit(ret, user)
    result = accept(ret.pk, reviewer)  # result.conflicts: the answers refused
"""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions
from .history import recorded_as
from .identifiers import SLUG_MAX_LENGTH, registry_slug
from .models import (
    City,
    ConfirmationRound,
    MemberState,
    Officer,
    Return,
    ReturnItem,
    Source,
)
from .models.base import free_slug

# What a state may correct of each kind of record (other fields are the secretariat's).
CORRECTABLE_FIELDS = {
    MemberState: ("name",),
    City: ("name", "pilot_since", "action_plan_url"),
    Officer: ("name", "designation", "start_date"),
}
# What a handover asks of the successor.
HANDOVER_FIELDS = ("name", "designation")
# The ReturnItem field that names a record of each kind.
ITEM_FIELDS = {MemberState: "member_state", City: "city", Officer: "officer"}
Action = ReturnItem.Action


class RoundError(Exception):
    """An operation refused, with a message for the person who asked (a 4xx, never a 500)."""

    status_code = 400


class AlreadyDecided(RoundError):
    status_code = 409


@dataclasses.dataclass
class Answer:
    """What the state says about one record (the return page's form, cleaned)."""

    action: str
    proposed_values: dict = dataclasses.field(default_factory=dict)
    source_url: str = ""
    source_note: str = ""
    effective_date: datetime.date | None = None


@dataclasses.dataclass
class AcceptResult:
    applied: list
    conflicts: list
    not_accepted: list = dataclasses.field(default_factory=list)


def record_key(record):
    return f"{type(record)._meta.model_name}:{record.pk}"


# What an addition asks, by kind: a pilot city of the state, or an officer of one of its posts.
ADDITION_FIELDS = {
    "city": ("name", "pilot_since", "action_plan_url"),
    "officer": ("name", "designation", "start_date"),
}
ADD_PREFIX = "add:"


def is_addition(key):
    return key.startswith(ADD_PREFIX)


def addition_place(ret, proposed):
    """
    The record an addition is made to: the return's member state (a new pilot city or
    national representative), or one of its cities (a new CSCO, `post` "city:<pk>").
    """
    post = proposed.get("post", "")
    if proposed.get("kind") == "city" or post == record_key(ret.member_state):
        return ret.member_state
    if post.startswith("city:") and post.removeprefix("city:").isdigit():
        city = City.objects.filter(
            pk=int(post.removeprefix("city:")), member_state=ret.member_state_id
        ).first()
        if city is not None:
            return city
    raise RoundError(
        _(
            "A new officer is added to a city of this member state, or as its national representative."
        )
    )


def allowed_actions(record):
    """
    Handover is for officers (a post changes hands), end for officers and cities (no longer
    in post, no longer a pilot city); a member state is confirmed or corrected. Additions are
    answers of their own (see ADDITION_FIELDS).
    """
    if isinstance(record, Officer):
        return [Action.CONFIRM, Action.CORRECT, Action.HANDOVER, Action.END]
    if isinstance(record, City):
        return [Action.CONFIRM, Action.CORRECT, Action.END]
    return [Action.CONFIRM, Action.CORRECT]


def open_round(title, due_date, opened_by, member_states=None):
    """A round with a return, not started, for each of `member_states` (default: all)."""
    if member_states is None:
        member_states = MemberState.objects.all()
    with transaction.atomic():
        if ConfirmationRound.objects.filter(title=title).exists():
            raise RoundError(_("A round with this title exists already."))
        round_ = ConfirmationRound.objects.create(
            title=title, due_date=due_date, opened_by=opened_by
        )
        add_returns(round_, member_states)
    return round_


def add_returns(round_, member_states):
    """A return, not started, for each of `member_states` in the round."""
    Return.objects.bulk_create(Return(round=round_, member_state=state) for state in member_states)


def records_by_key(ret):
    """{record key: record} of every record a return covers."""
    state, representatives, cities = ret.records()
    records = [state, *representatives]
    for city in cities:
        records.append(city)
        records.extend(city.officers_in_post)
    return {record_key(record): record for record in records}


def save_answers(ret, answers, user):
    """Store `answers` ({record key: Answer or None to clear}) as work in progress.

    Only records the state answers for are accepted; a submitted or accepted return is frozen.
    """
    if not ret.is_editable:
        raise RoundError(_("This return has been submitted and can no longer be changed."))
    records = records_by_key(ret)
    unknown = {key for key in answers if not is_addition(key)} - set(records)
    if unknown:
        raise RoundError(_("These records are not part of this return: %s") % sorted(unknown))
    now = timezone.now()
    with transaction.atomic():
        existing = {item.record_key: item for item in ret.items.all()}
        numbers = [int(k.removeprefix(ADD_PREFIX)) for k in existing if is_addition(k)]
        next_addition = max(numbers, default=0) + 1
        for key, answer in answers.items():
            item = existing.get(key)
            if answer is None:
                if item is not None:
                    item.delete()
                continue
            if is_addition(key):
                if item is None:
                    # A new addition ("add:new-city" from a blank form) gets the next number.
                    key, next_addition = f"{ADD_PREFIX}{next_addition}", next_addition + 1
                _save_addition(ret, key, item, answer, now)
                continue
            record = records[key]
            if answer.action not in allowed_actions(record):
                raise RoundError(
                    _("%(record)s cannot be %(action)s.")
                    % {
                        "record": record,
                        "action": Action(answer.action).label,
                    }
                )
            if item is None:
                item = ReturnItem(return_obj=ret, record_key=key)
                setattr(item, ITEM_FIELDS[type(record)], record)
            changed = (
                item.action,
                item.proposed_values,
                item.source_url,
                item.source_note,
                item.effective_date,
            ) != dataclasses.astuple(answer)
            if item.pk is not None and not changed:
                continue
            item.action = answer.action
            item.proposed_values = answer.proposed_values
            item.source_url = answer.source_url
            item.source_note = answer.source_note
            item.effective_date = answer.effective_date
            item.record_version = record.version
            item.decision = ReturnItem.Decision.PENDING
            item.updated = now
            item.save()
        if ret.status == Return.Status.NOT_STARTED:
            ret.status = Return.Status.IN_PROGRESS
        ret.updated = now
        ret.save(update_fields=["status", "updated"])
    return ret


def _save_addition(ret, key, item, answer, now):
    if answer.action != Action.ADD:
        raise RoundError(_("A new record can only be added."))
    place = addition_place(ret, answer.proposed_values)
    if item is None:
        item = ReturnItem(return_obj=ret, record_key=key)
    elif (item.action, item.proposed_values, item.source_url, item.source_note) == (
        answer.action,
        answer.proposed_values,
        answer.source_url,
        answer.source_note,
    ):
        return
    item.member_state, item.city, item.officer = None, None, None
    setattr(item, ITEM_FIELDS[type(place)], place)
    item.action = answer.action
    item.proposed_values = answer.proposed_values
    item.source_url = answer.source_url
    item.source_note = answer.source_note
    item.effective_date = None
    item.record_version = place.version
    item.decision = ReturnItem.Decision.PENDING
    item.updated = now
    item.save()


def submit(ret, user):
    """Freeze the return for review."""
    with transaction.atomic():
        ret = Return.objects.select_for_update().get(pk=ret.pk)
        if not ret.is_editable:
            raise AlreadyDecided(_("This return has been submitted already."))
        if not ret.items.exists():
            raise RoundError(_("Answer for at least one record before submitting."))
        ret.status = Return.Status.SUBMITTED
        ret.submitted_by = user
        ret.submitted_at = ret.updated = timezone.now()
        ret.save()
    return ret


def _locked_for_review(return_id, reviewer):
    returns = Return.objects.select_for_update(of=("self",))
    ret = returns.select_related("round", "member_state", "submitted_by").get(pk=return_id)
    if ret.status == Return.Status.ACCEPTED:
        raise AlreadyDecided(_("This return has already been accepted."))
    if ret.status != Return.Status.SUBMITTED:
        raise AlreadyDecided(
            _("This return is not waiting on review (it is %s).") % ret.get_status_display()
        )
    if ret.submitted_by_id == reviewer.pk:
        raise RoundError(_("A return is reviewed by someone other than its submitter."))
    if not permissions.can_review_returns(reviewer):
        raise RoundError(_("You may not review returns."))
    return ret


def return_for_changes(return_id, reviewer, comment):
    """Send a submitted return back to the state, with the reviewer's comment."""
    if not comment.strip():
        raise RoundError(_("Say what the state should change."))
    with transaction.atomic():
        ret = _locked_for_review(return_id, reviewer)
        ret.status = Return.Status.RETURNED
        ret.reviewed_by = reviewer
        ret.reviewed_at = ret.updated = timezone.now()
        ret.review_comment = comment
        ret.save()
    return ret


def accept(return_id, reviewer, today=None, only=None):
    """Apply the answers of a submitted return, in one transaction; see the module docstring.

    `only` (record keys) accepts the return record by record: the answers it leaves out are
    marked not accepted and change nothing. A second reviewer accepting at the same time waits
    on the row lock and is then told the return is accepted already.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        ret = _locked_for_review(return_id, reviewer)
        submitter = ret.submitted_by
        reason = _(
            "%(round)s: return of %(state)s submitted by %(submitter)s, accepted by %(reviewer)s"
        ) % {
            "round": ret.round.title,
            "state": ret.member_state.name,
            "submitter": submitter.get_username(),
            "reviewer": reviewer.get_username(),
        }
        source = _confirmation_source(ret)
        result = AcceptResult(applied=[], conflicts=[])
        with recorded_as(user=reviewer, reason=reason):
            for item in ret.items.select_related("member_state", "city", "officer"):
                if only is not None and item.record_key not in only:
                    item.decision = ReturnItem.Decision.NOT_ACCEPTED
                    item.decision_note = _("Not accepted by %s.") % reviewer.get_username()
                    item.save(update_fields=["decision", "decision_note"])
                    result.not_accepted.append(item)
                    continue
                _decide(item, source, today, result)
        ret.status = Return.Status.ACCEPTED
        ret.reviewed_by = reviewer
        ret.reviewed_at = ret.updated = timezone.now()
        ret.save()
    return result


def _confirmation_slug(ret, title):
    prefix = f"confirmation-{ret.pk}"
    rest = registry_slug(title, max_length=SLUG_MAX_LENGTH - len(prefix) - 1)
    return f"{prefix}-{rest}" if rest else prefix


def _confirmation_source(ret):
    state, round_ = ret.member_state, ret.round
    title = _("Confirmation by %(state)s, %(round)s") % {
        "state": state.name,
        "round": round_.title,
    }
    source, _created = Source.objects.get_or_create(
        title=title[:300],
        defaults={
            "slug": _confirmation_slug(ret, title),
            "publisher": state.name,
            "published_on": timezone.localdate(ret.submitted_at),
        },
    )
    return source


def _decide(item, source, today, result):
    model = type(item.record)
    record = model.objects.select_for_update().get(pk=item.record.pk)
    # Adding to a state or city does not depend on the version it was answered at.
    if item.action != Action.ADD and record.version != item.record_version:
        item.decision = ReturnItem.Decision.CONFLICT
        item.decision_note = _(
            "%(record)s was changed by staff after the state answered (version %(then)s, now "
            "%(now)s): this answer was not applied; review the record by hand."
        ) % {"record": record, "then": item.record_version, "now": record.version}
        result.conflicts.append(item)
    else:
        try:
            with transaction.atomic():
                _apply(item, record, source, today)
        except ValidationError as error:
            item.decision = ReturnItem.Decision.CONFLICT
            item.decision_note = "; ".join(error.messages)
            result.conflicts.append(item)
        else:
            item.decision = ReturnItem.Decision.APPLIED
            item.decision_note = ""
            result.applied.append(item)
    item.save(update_fields=["decision", "decision_note"])


def _add(item, place, source, today):
    """The record an addition proposes, created with the confirmation as its source."""
    proposed = item.proposed_values
    if proposed.get("kind") == "city":
        values = {name: proposed.get(name) for name in ADDITION_FIELDS["city"]}
        added = City(
            member_state=place,
            network_id=place.network_id,
            name=values["name"],
            pilot_since=values["pilot_since"] or None,
            action_plan_url=values["action_plan_url"] or "",
            slug=free_slug(City, values["name"]),
        )
    else:
        values = {name: proposed.get(name) for name in ADDITION_FIELDS["officer"]}
        is_city = isinstance(place, City)
        added = Officer(
            role=Officer.Role.CSCO if is_city else Officer.Role.NATIONAL_REPRESENTATIVE,
            city=place if is_city else None,
            member_state=None if is_city else place,
            name=values["name"],
            designation=values["designation"] or "",
            start_date=values["start_date"] or None,
        )
    for name in ("pilot_since", "start_date"):
        if isinstance(getattr(added, name, None), str):
            setattr(added, name, datetime.date.fromisoformat(getattr(added, name)))
    added.last_verified = today
    added.full_clean(exclude=["sources"])
    added.save()
    added.sources.add(source)
    return added


def _apply(item, record, source, today):
    if item.action == Action.ADD:
        _add(item, record, source, today)
        return
    if item.action == Action.CORRECT:
        for name in CORRECTABLE_FIELDS[type(record)]:
            if name in item.proposed_values:
                field = record._meta.get_field(name)
                setattr(record, name, field.to_python(item.proposed_values[name]))
    elif item.action == Action.HANDOVER:
        record.end_date = item.effective_date - datetime.timedelta(days=1)
        successor = Officer(
            role=record.role,
            city_id=record.city_id,
            member_state_id=record.member_state_id,
            start_date=item.effective_date,
            last_verified=today,
            **{name: item.proposed_values.get(name, "") for name in HANDOVER_FIELDS},
        )
        successor.full_clean()
        successor.save()
        successor.sources.add(source)
    elif item.action == Action.END and isinstance(record, City):
        # The city's last day as a pilot city; its CSCOs' tenures of its post end with it.
        record.pilot_until = item.effective_date
        for officer in Officer.objects.current().filter(city=record).select_for_update():
            officer.end_date = max(item.effective_date, officer.start_date or item.effective_date)
            officer.last_verified = today
            officer.full_clean(exclude=["sources"])
            _save_with_source(officer, source)
    elif item.action == Action.END:
        record.end_date = item.effective_date
    record.last_verified = today
    record.full_clean(exclude=["sources"])
    _save_with_source(record, source)


def _save_with_source(record, source):
    """Save and add the source, as one historical record (as the admin's save_model does)."""
    record.__dict__.pop("_last_historical_record", None)
    record.save()
    historical = getattr(record, "_last_historical_record", None)
    record.skip_history_when_saving = True
    try:
        record.sources.add(source)
    finally:
        del record.skip_history_when_saving
    if historical is not None:
        type(record)._history_records.refresh_m2m_snapshot(historical, record)
