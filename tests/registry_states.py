"""A registry's state record by record, to compare two registries (a restore, a re-import)."""

from registry.models import Agreement, City, MemberState, Network, Officer, Organisation, Source

# In dependency order: a table's records refer only to the tables before it.
REGISTRY_MODELS = (Source, Organisation, Network, MemberState, City, Officer, Agreement)
# Not data: database ids, the save counter and what is derived from other fields.
NOT_COMPARED = {"id", "version", "search_text"}


def natural(obj):
    return None if obj is None else obj.natural_key()


def record_values(record):
    """Every field of a record, relations by natural key, many-to-many as sorted key lists."""
    values = {}
    for field in record._meta.concrete_fields:
        if field.name in NOT_COMPARED or field.generated:
            continue
        if field.is_relation:
            values[field.name] = natural(getattr(record, field.name))
        else:
            values[field.name] = getattr(record, field.attname)
    for field in record._meta.many_to_many:
        values[field.name] = sorted(natural(o) for o in getattr(record, field.name).all())
    return values


def registry_records():
    """{model name: {natural key: every field}} of the whole registry."""
    return {
        model.__name__: {
            record.natural_key(): record_values(record) for record in model.objects.all()
        }
        for model in REGISTRY_MODELS
    }


def record_versions():
    """{model name: {natural key: version}}: each record's save counter, which a save raises."""
    return {
        model.__name__: {record.natural_key(): record.version for record in model.objects.all()}
        for model in REGISTRY_MODELS
    }


def empty_registry():
    """Delete every registry record and its history: an emptied database, users kept."""
    for model in reversed(REGISTRY_MODELS):
        model.objects.all().delete()
    for model in REGISTRY_MODELS:
        model.history.all().delete()
