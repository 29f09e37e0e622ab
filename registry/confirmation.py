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
from .models import City, ConfirmationRound, MemberState, Officer, Return, ReturnItem, Source

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


def record_key(record):
    return f"{type(record)._meta.model_name}:{record.pk}"


def allowed_actions(record):
    """Handover and end are for officers: a post changes hands; a state or city is corrected."""
    if isinstance(record, Officer):
        return list(Action)
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


def _records_by_key(ret):
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
    records = _records_by_key(ret)
    unknown = set(answers) - set(records)
    if unknown:
        raise RoundError(_("These records are not part of this return: %s") % sorted(unknown))
    now = timezone.now()
    with transaction.atomic():
        existing = {item.record_key: item for item in ret.items.all()}
        for key, answer in answers.items():
            item = existing.get(key)
            if answer is None:
                if item is not None:
                    item.delete()
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


def accept(return_id, reviewer, today=None):
    """Apply every answer of a submitted return, in one transaction; see the module docstring.

    A second reviewer accepting at the same time waits on the row lock and is then told the
    return is accepted already.
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
    if record.version != item.record_version:
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


def _apply(item, record, source, today):
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
