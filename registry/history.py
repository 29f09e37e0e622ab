"""
Change history of the registry (django-simple-history), and who each change is attributed to.

Every registry model declares ``history = RegistryHistoricalRecords(...)``: each save and delete
writes a row to its historical table with the user, the time, an optional reason and a copy of
every field (and of the tracked many-to-many fields). Admin requests are attributed to the
logged-in staff member (simple-history's HistoryRequestMiddleware and the admin). Code that runs
outside a request (management commands, spreadsheet imports) says who and why with
``recorded_as``::

    with recorded_as(user=request.user, reason="Import of cities.xlsx"):
        ...  # every save, delete and bulk_*_with_history call in here is attributed

A transaction that rolls back (an import's dry run, a failed import) takes its history rows
with it: they are written in the same transaction as the change.
"""

import contextlib
import contextvars

from django.apps import apps
from django.db import models, router, transaction
from django.dispatch import receiver
from django.utils import timezone
from simple_history import utils as history_utils
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

# Fields kept in the history tables but left out of diffs shown to people: the version only
# counts saves (see Versioned), so every change would list it.
DIFF_EXCLUDED_FIELDS = ("version",)

_attribution = contextvars.ContextVar("registry_history_attribution", default=None)


@contextlib.contextmanager
def recorded_as(user=None, reason=""):
    """Attribute every change made inside the block to `user`, with `reason`.

    Nests: an inner block overrides what it names (the user, the reason) and keeps the rest
    of the outer block's. A user or reason set on an instance (`instance._history_user`,
    `instance._change_reason`) still wins for that instance.
    """
    outer_user, outer_reason = current_attribution()
    token = _attribution.set((user or outer_user, reason or outer_reason))
    try:
        yield
    finally:
        _attribution.reset(token)


def current_attribution():
    """(user, reason) of the innermost `recorded_as` block, or (None, None) outside one."""
    return _attribution.get() or (None, None)


class RegistryHistoricalRecords(HistoricalRecords):
    """HistoricalRecords that honour `recorded_as`, with a change reason of any length."""

    def __init__(self, **kwargs):
        kwargs.setdefault("history_change_reason_field", models.TextField(null=True))
        super().__init__(**kwargs)

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        # The models are declared in submodules of registry.models; their historical models
        # belong to the models module itself (registry.models.HistoricalCity), as before.
        self.module = apps.get_containing_app_config(cls.__module__).name + ".models"
        # The admin writes one historical record per save, after the many-to-many fields
        # are saved too; it needs this object to do so (see RegistryAdmin.save_model).
        cls._history_records = self

    def get_history_user(self, instance):
        if not hasattr(instance, "_history_user"):
            user, _reason = current_attribution()
            if user is not None:
                return user
        return super().get_history_user(instance)

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = super().get_change_reason_for_object(instance, history_type, using)
        return reason or current_attribution()[1]

    def post_save(self, instance, created, using=None, **kwargs):
        if kwargs.get("raw"):
            # loaddata (fixtures, restoring a backup) writes no history: a backup brings its
            # own. It sets many-to-many fields right after this; see m2m_changed.
            instance._loaded_raw = True
        super().post_save(instance, created, using=using, **kwargs)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if getattr(instance, "_loaded_raw", False):
            return
        super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)

    def create_historical_record_m2ms(self, history_instance, instance):
        # A record just created has no many-to-many rows yet: skip the queries for them.
        if history_instance.history_type == "+":
            return
        super().create_historical_record_m2ms(history_instance, instance)

    def refresh_m2m_snapshot(self, history_instance, instance):
        """Copy the current many-to-many rows into an existing historical record."""
        for field in history_instance._history_m2m_fields:
            self.m2m_models[field].objects.filter(history=history_instance).delete()
        self.create_historical_record_m2ms(history_instance, instance)


@receiver(post_create_historical_record, dispatch_uid="registry_remember_historical_record")
def remember_historical_record(sender, instance, history_instance, **kwargs):
    """Keep the record just written on the instance, for the admin to complete (save_model)."""
    instance._last_historical_record = history_instance


def bulk_create_with_history(objs, model, batch_size=500, insert=None, write_history=None):
    """Bulk-create `objs` and their history, attributed as in the enclosing `recorded_as`.

    For spreadsheet imports: one INSERT per batch instead of one per row, history included.
    Each object keeps its historical record's id for record_m2m_history(). Needs the primary
    keys back from the INSERT (PostgreSQL; SQLite 3.35 or later). `insert(model, objs)`
    replaces QuerySet.bulk_create() and `write_history(objs, model, history_type)` the
    historical records' (the import's COPY on PostgreSQL; see _bulk_history_create).
    """
    with transaction.atomic(using=router.db_for_write(model), savepoint=False):
        if insert is None:
            created = model._default_manager.bulk_create(objs, batch_size=batch_size)
        else:
            created = insert(model, objs)
        _bulk_history_create(created, model, batch_size, update=False, write=write_history)
    return created


def bulk_update_with_history(objs, model, fields, batch_size=500, write=None, write_history=None):
    """Bulk-update `fields` of `objs`, bump their versions and record their history.

    Bumping the version makes an admin form opened before the import report a conflict
    instead of overwriting the imported values. `write(model, objs, fields, batch_size)`
    replaces QuerySet.bulk_update() (the import's faster UPDATE on PostgreSQL), and
    `write_history` the historical records' INSERT, as for bulk_create_with_history().
    """
    for obj in objs:
        obj.version += 1
    fields = list(dict.fromkeys([*fields, "version"]))
    with transaction.atomic(using=router.db_for_write(model), savepoint=False):
        if write is None:
            model._default_manager.bulk_update(objs, fields, batch_size=batch_size)
        else:
            write(model, objs, fields, batch_size)
        _bulk_history_create(objs, model, batch_size, update=True, write=write_history)
    return objs


def _bulk_history_create(objs, model, batch_size, update, write=None):
    """A historical record per object; `write(objs, model, history_type)` may write them
    instead of simple-history's bulk_history_create(), returning False where it cannot."""
    if write is not None and write(objs, model, "~" if update else "+"):
        return
    user, reason = current_attribution()
    records = history_utils.get_history_manager_for_model(model).bulk_history_create(
        objs,
        batch_size=batch_size,
        update=update,
        default_user=user,
        default_change_reason=reason or "",
    )
    for obj, record in zip(objs, records or (), strict=False):
        if record.pk is None:
            raise RuntimeError("The database did not return the ids of the history rows.")
        obj._last_history_id = record.pk


def record_m2m_history(objs, model, batch_size=500):
    """Copy the many-to-many rows of `objs` into the historical records bulk-written for them.

    The bulk functions above write a record per object before an import sets its many-to-many
    fields (sources, parties); this completes those records, as a save's history holds them.
    One query per field per `batch_size` objects, and one INSERT per field.
    """
    written = {
        obj.pk: record_id
        for obj in objs
        if (record_id := obj.__dict__.pop("_last_history_id", None)) is not None
    }
    if not written:
        return
    fields = history_utils.get_history_model_for_model(model)._history_m2m_fields
    pks = list(written)
    for field in fields:
        m2m_history_model = model._history_records.m2m_models[field]
        through = field.remote_field.through
        source = history_utils.get_m2m_field_name(field)
        target = history_utils.get_m2m_reverse_field_name(field)
        rows = []
        for start in range(0, len(pks), batch_size):
            links = through.objects.filter(**{f"{source}_id__in": pks[start : start + batch_size]})
            for link_id, source_id, target_id in links.values_list(
                "id", f"{source}_id", f"{target}_id"
            ):
                rows.append(
                    m2m_history_model(
                        history_id=written[source_id],
                        id=link_id,
                        **{f"{source}_id": source_id, f"{target}_id": target_id},
                    )
                )
        m2m_history_model.objects.bulk_create(rows, batch_size=batch_size)


# Baselines -------------------------------------------------------------------------------

#: The change reason of a baseline: the state a record had before its first recorded change.
BASELINE_REASON = "baseline"


def write_baselines(app_registry=None, using="default", batch_size=1000):
    """
    Give every registry record that has no historical record a "+" record of its state now,
    with its many-to-many rows, reason "baseline" (simple-history's populate_history, in
    bulk and with the tracked many-to-many fields). Records written without a save (fixtures
    and backups by loaddata, COPY, migrations) would otherwise show no old value on their
    first change, and no revert could bring back what they said. Records with any history
    are left alone. `app_registry` is django.apps.apps, or a migration's apps. Returns
    {model name: baselines written}.
    """
    app_registry = app_registry or apps
    now = timezone.now()
    written = {}
    for model in app_registry.get_app_config("registry").get_models():
        try:
            history_model = app_registry.get_model("registry", f"Historical{model.__name__}")
        except LookupError:
            continue
        count = _write_model_baselines(model, history_model, app_registry, using, batch_size, now)
        if count:
            written[model.__name__] = count
    return written


def _write_model_baselines(model, history_model, app_registry, using, batch_size, now):
    copied = [
        f.attname for f in history_model._meta.concrete_fields if not f.name.startswith("history_")
    ]
    m2m = []
    for field in model._meta.many_to_many:
        try:
            m2m_history = app_registry.get_model(
                "registry", f"{history_model.__name__}_{field.name}"
            )
        except LookupError:
            continue
        m2m.append((field, m2m_history))
    recorded = history_model._default_manager.using(using).values("id")
    missing = model._default_manager.using(using).exclude(pk__in=recorded).order_by("pk")
    count = 0
    batch = []
    for record in missing.iterator(chunk_size=batch_size):
        batch.append(
            history_model(
                **{name: getattr(record, name) for name in copied},
                history_date=now,
                history_type="+",
                history_change_reason=BASELINE_REASON,
            )
        )
        if len(batch) == batch_size:
            count += _write_baseline_batch(batch, history_model, m2m, using)
            batch = []
    if batch:
        count += _write_baseline_batch(batch, history_model, m2m, using)
    return count


def _write_baseline_batch(records, history_model, m2m, using):
    records = history_model._default_manager.using(using).bulk_create(records)
    history_ids = {record.id: record.history_id for record in records}
    for field, m2m_history in m2m:
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        links = through._default_manager.using(using).filter(**{f"{source}_id__in": history_ids})
        m2m_history._default_manager.using(using).bulk_create(
            m2m_history(
                history_id=history_ids[source_id],
                id=link_id,
                **{f"{source}_id": source_id, f"{target}_id": target_id},
            )
            for link_id, source_id, target_id in links.values_list(
                "id", f"{source}_id", f"{target}_id"
            )
        )
    return len(records)
