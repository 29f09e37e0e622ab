"""
Export rows read straight from the database, for every registry resource.

A resource's fields (django-import-export's) stay the one definition of an export's columns.
From each field this module derives the values to read with values_list() (a foreign key's
natural key through a join, a many-to-many column as one aggregated list per record) and the
render to apply to them, the widget's own render() wherever it takes a plain value. An export
of any size is then one query, with no model instance per row, which is what makes it fast.

RegistryResource.export_resource() on model instances remains the reference: the tests hold
this path to it cell for cell.
"""

import itertools

import tablib
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.aggregates import Aggregate

from .widgets import CachedModelWidget, NameListWidget


class JSONList(Aggregate):
    """
    The aggregated values as a list: JSON_GROUP_ARRAY on SQLite, JSONB_AGG on PostgreSQL, both
    read back through JSONField. No separator can clash with a name.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = models.JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def related_names(model, attribute, name_field):
    """
    A correlated subquery with the `name_field` of every record that `model`'s many-to-many
    `attribute` links to the outer record: part of the export's one query, however many rows.
    """
    field = model._meta.get_field(attribute)
    through = field.remote_field.through
    owner, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    names = (
        through.objects.filter(**{owner: OuterRef("pk")})
        .order_by()
        .values(owner)
        .annotate(names=JSONList(f"{target}__{name_field}"))
        .values("names")
    )
    return Subquery(names, output_field=models.JSONField())


class ExportColumn:
    """
    One column of an export: the `paths` it reads (values_list() paths or annotations) and
    `render(*values)`, which returns the cell as export_resource() does before escaping.
    """

    def __init__(self, header, paths, render, annotations=None):
        self.header = header
        self.paths = tuple(paths)
        self.render = render
        self.annotations = annotations or {}


def natural_key_render(value):
    # CachedModelWidget.render(): the related record's natural key (a field that is never
    # null), "" for no record.
    return "" if value is None else value


def name_list_render(names):
    # NameListWidget.render(): the names in Python's sort order, "; " between them.
    return "; ".join(sorted(names)) if names else ""


def export_column(resource, field):
    """
    The ExportColumn of a resource field. A field class with its own get_value() declares
    `value_paths` and `render_values(*values)`; the widgets here are read generically.
    """
    model = resource._meta.model
    name = resource.get_field_name(field)
    if callable(getattr(resource, field.get_dehydrate_method(name), None)):
        raise TypeError(
            f"{type(resource).__name__}.{name} has a dehydrate method: declare value_paths "
            "and render_values() on its field so that exports can read it."
        )
    if hasattr(field, "value_paths"):
        # `value_annotations`: expressions the paths name, added to the export's one query.
        annotations = getattr(field, "value_annotations", None)
        return ExportColumn(field.column_name, field.value_paths, field.render_values, annotations)
    widget = field.widget
    if isinstance(widget, NameListWidget):
        alias = f"export_{field.attribute}"
        subquery = related_names(model, field.attribute, widget.field)
        return ExportColumn(field.column_name, [alias], name_list_render, {alias: subquery})
    if isinstance(widget, CachedModelWidget):
        path = f"{field.attribute}__{widget.field}"
        return ExportColumn(field.column_name, [path], natural_key_render)
    # A plain value: the widget's own render(), which needs no record.
    return ExportColumn(field.column_name, [field.attribute], widget.render)


def instance_builder(model, paths):
    """
    A function from values (in `paths` order) to an unsaved `model` instance holding them, related
    records included ("city__slug" makes a City): enough for get_absolute_url(), without a query.
    """
    own, related = {}, {}
    for index, path in enumerate(paths):
        head, _sep, rest = path.partition("__")
        if rest:
            related.setdefault(head, []).append((index, rest))
        else:
            own[head] = index
    builders = {}
    for head, parts in related.items():
        sub_model = model._meta.get_field(head).related_model
        sub_build = instance_builder(sub_model, [rest for _index, rest in parts])
        builders[head] = ([index for index, _rest in parts], sub_build)

    def build(values):
        kwargs = {name: values[index] for name, index in own.items()}
        for head, (indexes, sub_build) in builders.items():
            sub_values = [values[index] for index in indexes]
            kwargs[head] = (
                sub_build(sub_values) if any(v is not None for v in sub_values) else None
            )
        return model(**kwargs)

    return build


class ExportReader:
    """
    The headers and rows of a resource's export. Rows are lists of native values (text,
    Decimal, date) as stored, exactly the cells of export_resource(); the CSV writer
    escapes formula-looking text, the other formats write it as typed text.
    """

    def __init__(self, resource, columns=None, url_paths=None):
        self.resource = resource
        self.columns = [
            export_column(resource, field) for field in resource.get_export_fields(columns)
        ]
        self.headers = [column.header for column in self.columns]
        self.url_paths = tuple(url_paths or ())
        # What the query reads, each path once however many columns use it.
        column_paths = (path for column in self.columns for path in column.paths)
        self.paths = list(dict.fromkeys(itertools.chain(column_paths, self.url_paths)))
        self.position = {path: index for index, path in enumerate(self.paths)}

    def values(self, queryset):
        """values_list() of everything the columns (and record URLs) need, in queryset order."""
        annotations = {}
        for column in self.columns:
            annotations.update(column.annotations)
        # Prefetches would be wasted on tuples (and a values query cannot take them).
        queryset = queryset.prefetch_related(None)
        if annotations:
            queryset = queryset.annotate(**annotations)
        return queryset.values_list(*self.paths)

    def cell_readers(self):
        """One function per column, from a values_list() tuple to the cell."""
        readers = []
        for column in self.columns:
            render = column.render
            indexes = [self.position[path] for path in column.paths]
            if len(indexes) == 1:
                (index,) = indexes

                def read(values, render=render, index=index):
                    return render(values[index])

            else:

                def read(values, render=render, indexes=indexes):
                    return render(*[values[index] for index in indexes])

            readers.append(read)
        return readers

    def rows(self, queryset, url_for=None, chunk_size=2000):
        """
        The rows of `queryset`, streamed from one query. `url_for(record)`, when given, adds
        a last cell, computed on an unsaved instance that holds the values of `url_paths`.
        """
        readers = self.cell_readers()
        records = self.values(queryset).iterator(chunk_size=chunk_size)
        if url_for is None:
            for values in records:
                yield [read(values) for read in readers]
            return
        url_indexes = [self.position[path] for path in self.url_paths]
        build = instance_builder(queryset.model, self.url_paths)
        for values in records:
            instance = build([values[index] for index in url_indexes])
            yield [*(read(values) for read in readers), url_for(instance)]


class RowExportMixin:
    """
    A resource whose export() (django-import-export's, which the admin's export calls) reads
    rows through ExportReader rather than record by record.
    """

    #: What the model's get_absolute_url() reads, for a download's "registry_url" column.
    url_paths = ()

    def export_reader(self, columns=None, with_url=False):
        return ExportReader(self, columns, self.url_paths if with_url else ())

    def export(self, queryset=None, **kwargs):
        self.before_export(queryset, **kwargs)
        if queryset is None:
            queryset = self.get_queryset()
        queryset = self.filter_export(queryset, **kwargs)
        reader = self.export_reader(kwargs.get("export_fields"))
        dataset = tablib.Dataset(headers=reader.headers)
        for row in reader.rows(queryset, chunk_size=self.get_chunk_size()):
            dataset.append(row)
        self.after_export(queryset, dataset, **kwargs)
        return dataset
