"""
The public record of changes: what the change history says changed, told without staff names.

A read model over the historical tables of the public records (django-simple-history). Each
historical row is a change: a record created, changed or deleted. For a change, the public
fields that differ from the record's previous historical row, old and new. Left out:

- baselines (history.BASELINE_REASON): the state a record had before its first recorded
  change, not a change;
- internal fields (the version, the search text, history.DIFF_EXCLUDED_FIELDS);
- changes in which no public field changed (a save of the same values).

Who made a change is told as "by import", "by a confirmation round" or "by the secretariat",
read from the change reason; never the staff member's name (the reason of a round's
acceptance names the people involved, so it is not shown either).

Changes.page(offset, limit) costs a bounded number of queries whatever the size of the
history: one for the page's keys (a UNION over the tables, newest first), then per model on
the page one for its rows and their previous rows' ids, one for those previous rows, one for
the records that still exist, and one per related table named by a changed field.
"""

import dataclasses
import datetime

from django.db.models import IntegerField, OuterRef, Q, Subquery, Value
from django.utils.translation import gettext_lazy as _

from .history import BASELINE_REASON, DIFF_EXCLUDED_FIELDS
from .models import Agreement, City, MemberState, Network, Officer, Organisation, Source

# The public records, and the field that names each in a change (its label).
PUBLIC_MODELS = (
    (MemberState, "name"),
    (City, "name"),
    (Officer, "name"),
    (Agreement, "title"),
    (Organisation, "name"),
    (Network, "name"),
    (Source, "title"),
)
INTERNAL_FIELDS = frozenset({"id", "version", "search_text", *DIFF_EXCLUDED_FIELDS})

# The change reasons the import paths write: the admin's spreadsheet import
# (spreadsheets.engine.resource) and the management commands (import, import_registry).
IMPORT_REASON_PREFIXES = ("Spreadsheet import of ", "manage.py import")
# A confirmation round's acceptance (confirmation.accept_return): "<round>: return of <state>
# submitted by <user>, accepted by <user>".
ROUND_REASON_MARKERS = (": return of ", " accepted by ")

BY_IMPORT = _("by import")
BY_ROUND = _("by a confirmation round")
BY_SECRETARIAT = _("by the secretariat")

KINDS = {"+": "created", "~": "changed", "-": "deleted"}


def attribution(reason):
    """Who a change is told as made by, from its change reason: never a person."""
    reason = reason or ""
    if reason.startswith(IMPORT_REASON_PREFIXES):
        return BY_IMPORT
    if all(marker in reason for marker in ROUND_REASON_MARKERS):
        return BY_ROUND
    return BY_SECRETARIAT


@dataclasses.dataclass(frozen=True)
class FieldChange:
    name: str
    old: str
    new: str


@dataclasses.dataclass(frozen=True)
class Change:
    key: str  # unique and stable: the model and the historical row's id
    kind: str  # created, changed or deleted
    record_type: str
    label: str
    url: str  # "" when the record no longer exists
    when: datetime.datetime
    by: str
    fields: tuple = ()


def public_fields(history_model):
    """The historical model's copies of the record's public fields."""
    return [
        field
        for field in history_model._meta.concrete_fields
        if not field.name.startswith("history_") and field.name not in INTERNAL_FIELDS
    ]


def _text(field, value, related_labels):
    if value is None or value == "":
        return ""
    if field.is_relation:
        return related_labels.get((field.related_model, value), str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class Changes:
    """The public changes, newest first; sliceable and countable, for a Paginator."""

    def __init__(self):
        self.models = [(model, label) for model, label in PUBLIC_MODELS]

    def _rows(self, index):
        history = self.models[index][0].history.model
        # Without the historical models' default ordering: a UNION's parts have none.
        return (
            history.objects.exclude(history_change_reason=BASELINE_REASON)
            .annotate(model_index=Value(index, output_field=IntegerField()))
            .order_by()
        )

    def _keys(self):
        parts = [
            self._rows(index).values_list("history_id", "history_date", "model_index")
            for index in range(len(self.models))
        ]
        return parts[0].union(*parts[1:], all=True)

    def count(self):
        """Historical rows other than baselines: the changes to page through."""
        return self._keys().count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            raise TypeError("Changes are read a page at a time, with a slice.")
        start = item.start or 0
        stop = item.stop if item.stop is not None else start + 50
        return self.page(start, stop - start)

    def page(self, offset=0, limit=50):
        """The changes of the historical rows `offset` to `offset + limit`, newest first,
        without those in which no public field changed (so a page may hold fewer)."""
        keys = list(
            self._keys().order_by("-history_date", "-model_index", "-history_id")[
                offset : offset + limit
            ]
        )
        by_model = {}
        for history_id, _date, index in keys:
            by_model.setdefault(index, []).append(history_id)
        built = {}
        for index, ids in by_model.items():
            for history_id, change in self._build(index, ids).items():
                built[index, history_id] = change
        changes = [built.get((index, history_id)) for history_id, _date, index in keys]
        return [change for change in changes if change is not None]

    def _build(self, index, history_ids):
        model, label_field = self.models[index]
        history = model.history.model
        previous = (
            history.objects.filter(id=OuterRef("id"))
            .filter(
                Q(history_date__lt=OuterRef("history_date"))
                | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
            )
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        rows = list(
            history.objects.filter(history_id__in=history_ids).annotate(
                previous_id=Subquery(previous)
            )
        )
        previous_ids = [row.previous_id for row in rows if row.previous_id is not None]
        previous_rows = history.objects.in_bulk(previous_ids) if previous_ids else {}
        fields = public_fields(history)
        diffs = {}
        for row in rows:
            before = previous_rows.get(row.previous_id)
            if row.history_type == "~" and before is not None:
                diffs[row.history_id] = [
                    field
                    for field in fields
                    if getattr(before, field.attname) != getattr(row, field.attname)
                ]
        related_labels = self._related_labels(rows, previous_rows, diffs)
        urls = self._urls(model, {row.id for row in rows})
        changes = {}
        for row in rows:
            before = previous_rows.get(row.previous_id)
            changed = ()
            if row.history_id in diffs:
                if not diffs[row.history_id]:
                    continue  # only internal fields changed, or nothing
                changed = tuple(
                    FieldChange(
                        name=str(field.verbose_name),
                        old=_text(field, getattr(before, field.attname), related_labels),
                        new=_text(field, getattr(row, field.attname), related_labels),
                    )
                    for field in diffs[row.history_id]
                )
            changes[row.history_id] = Change(
                key=f"{model._meta.model_name}-{row.history_id}",
                kind=KINDS[row.history_type],
                record_type=str(model._meta.verbose_name),
                label=getattr(row, label_field),
                url="" if row.history_type == "-" else urls.get(row.id, ""),
                when=row.history_date,
                by=attribution(row.history_change_reason),
                fields=changed,
            )
        return changes

    @staticmethod
    def _related_labels(rows, previous_rows, diffs):
        """{(related model, pk): label} for the relations among the changed fields."""
        wanted = {}
        by_id = {row.history_id: row for row in rows}
        for history_id, fields in diffs.items():
            row = by_id[history_id]
            before = previous_rows[row.previous_id]
            for field in fields:
                if field.is_relation:
                    ids = wanted.setdefault(field.related_model, set())
                    ids.update({getattr(row, field.attname), getattr(before, field.attname)})
        labels = {}
        for related, ids in wanted.items():
            ids.discard(None)
            for pk, record in related._default_manager.in_bulk(ids).items():
                labels[related, pk] = str(record)
        return labels

    @staticmethod
    def _urls(model, ids):
        """{pk: public URL} of the records that still exist and have a page."""
        if not hasattr(model, "get_absolute_url"):
            return {}
        records = model._default_manager.filter(pk__in=ids)
        if model is Officer:
            records = records.select_related("city", "member_state")
        return {record.pk: record.get_absolute_url() for record in records}


def recent_changes(limit=50):
    """The latest changes, newest first (for the feed)."""
    return Changes().page(0, limit)
