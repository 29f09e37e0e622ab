"""
An import's new rows written with PostgreSQL's COPY instead of INSERT.

QuerySet.bulk_create() spends about half its time compiling the INSERT of every value in Python;
COPY streams the values as they are. The rows keep what bulk_create() gives them: every concrete
field of the model (so a field added later is written too), primary keys set on the instances
(reserved from the table's sequence first, since COPY returns nothing), and the database's
constraints, whose violation is the same django.db.IntegrityError. Their historical records are
written the same way (copy_history()).
"""

import datetime

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from simple_history import utils as history_utils

from registry import history
from registry.models.base import RegistrySlugField

# Fields whose get_db_prep_save() hands a value of this exact type to PostgreSQL unchanged:
# COPY takes such values as they are. Exact classes only: a subclass may prepare its values.
UNCHANGED_TYPES = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    RegistrySlugField: str,  # prepares its values as SlugField does
    models.EmailField: str,
    models.URLField: str,
    models.DateField: datetime.date,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.SmallAutoField: int,
}

# The columns simple-history adds to a historical table (the others copy the tracked fields).
HISTORY_COLUMNS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
}


def connection_for(model):
    return connections[router.db_for_write(model)]


def unchanged_type(field):
    if type(field) is models.ForeignKey:
        return UNCHANGED_TYPES.get(type(field.target_field))
    return UNCHANGED_TYPES.get(type(field))


def prepared_column(field, values, connection):
    """
    A field's values as COPY writes them: as get_db_prep_save() would make them, a column at
    a time, so that a column whose values all have the type that needs nothing (most) is
    checked in one pass and copied as it is.
    """
    unchanged = unchanged_type(field)
    if all(value is None or type(value) is unchanged for value in values):
        return values
    prepare = field.get_db_prep_save
    return [
        value if value is None or type(value) is unchanged else prepare(value, connection)
        for value in values
    ]


def reserve_ids(connection, model, count, sequences=None):
    """
    `count` new primary keys from the table's sequence, in one query. `sequences`, a dict kept
    for the length of an import, saves asking which sequence that is for every batch.
    """
    sequences = {} if sequences is None else sequences
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if table not in sequences:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [connection.ops.quote_name(table), column],
            )
            sequences[table] = cursor.fetchone()[0]
        # The sequence named as a literal: nextval() of a name worked out in the query itself
        # costs seven times as much per id.
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequences[table], count]
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(connection, model, fields, rows):
    """
    COPY `rows` (lists of values, one per field of `fields`, already prepared) into the model's
    table, as one statement that query counts see like any other.
    """
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        "FROM STDIN"
    )
    with connection.cursor() as cursor:

        def copy(sql, params, many, context):
            # Django's error wrapping lives in CursorWrapper.execute(), which COPY bypasses:
            # a violated constraint must still be django.db.IntegrityError.
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as stream:
                for row in rows:
                    stream.write_row(row)

        # Through Django's execute wrappers and, when queries are being logged (DEBUG,
        # assertNumQueries), its debug log: COPY counts as a statement like any other.
        if hasattr(cursor, "debug_sql"):
            with cursor.debug_sql(sql):
                cursor._execute_with_wrappers(sql, None, False, copy)
        else:
            cursor._execute_with_wrappers(sql, None, False, copy)


def copy_insert(model, objs, sequences=None):
    """
    What QuerySet.bulk_create(objs) does on PostgreSQL, with COPY: every concrete field
    written, primary keys set on the instances, database defaults applied.
    """
    if not objs:
        return objs
    connection = connection_for(model)
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated]
    # pre_save() fills automatic values (auto_now_add dates); the base one just reads the value.
    presaved = {f for f in fields if type(f).pre_save is not models.Field.pre_save}
    pk = opts.pk
    missing_pks = [obj for obj in objs if obj.pk is None]
    if missing_pks:
        for obj, pk_value in zip(
            missing_pks, reserve_ids(connection, model, len(missing_pks), sequences), strict=True
        ):
            setattr(obj, pk.attname, pk_value)
    kept, columns = [], []
    for field in fields:
        if field in presaved:
            values = [field.pre_save(obj, add=True) for obj in objs]
        else:
            values = [getattr(obj, field.attname) for obj in objs]
        # A column left to its database default on every row is left out of the COPY; one
        # left to it on only some rows cannot be (COPY has no DEFAULT per row).
        defaults = sum(isinstance(value, DatabaseDefault) for value in values)
        if defaults == len(values):
            continue
        if defaults:
            raise ValueError(f"{opts.label}.{field.name}: some rows leave it to its default.")
        kept.append(field)
        columns.append(prepared_column(field, values, connection))
    copy_rows(connection, model, kept, zip(*columns, strict=True))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def copy_history(objs, model, history_type, sequences=None):
    """
    What simple-history's bulk_history_create() writes for `objs`, with COPY: one historical
    record per object, attributed as in the enclosing history.recorded_as(); each object keeps
    its record's id for history.record_m2m_history(). Returns False, writing nothing, when the
    historical table has columns of its own that only simple-history knows how to fill.
    """
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return True
    history_model = history_utils.get_history_model_for_model(model)
    fields = history_model._meta.concrete_fields
    tracked = {f.attname for f in history_model.tracked_fields}
    if any(f.attname not in tracked and f.attname not in HISTORY_COLUMNS for f in fields):
        return False
    if not objs:
        return True
    connection = connection_for(model)
    user, reason = history.current_attribution()
    reason = reason or ""
    now = timezone.now()
    ids = reserve_ids(connection, history_model, len(objs), sequences)
    # As bulk_history_create(): an object's own _history_user first, then the recorded_as()
    # user, then simple-history's default (the request's user), which depends on no object
    # here (the registry sets no get_user): asked once, not per object.
    default_user = user or history_model.get_default_history_user(model())
    users = [getattr(obj, "_history_user", default_user) for obj in objs]
    history_columns = {
        "history_id": ids,
        "history_date": [getattr(obj, "_history_date", now) for obj in objs],
        "history_change_reason": [
            history_utils.get_change_reason_from_object(obj) or reason for obj in objs
        ],
        "history_type": [history_type] * len(objs),
        "history_user_id": [getattr(record_user, "pk", record_user) for record_user in users],
    }
    columns = [
        prepared_column(
            field,
            history_columns[field.attname]
            if field.attname in history_columns
            else [getattr(obj, field.attname) for obj in objs],
            connection,
        )
        for field in fields
    ]
    for obj, history_id in zip(objs, ids, strict=True):
        obj._last_history_id = history_id
    rows = zip(*columns, strict=True)
    with transaction.atomic(using=connection.alias, savepoint=False):
        copy_rows(connection, history_model, fields, rows)
    return True
