"""
The registry's datasets, as the data page, the Data Package and the DCAT catalogue describe
them: each public list's download, its columns, when it last changed and how many rows it has.

The columns are read from the spreadsheet resources (registry/spreadsheets/resources.py), the
one definition of what every download writes, so that no description can drift from the files:
a column's type and format come from its widget, whether it is required from the model field,
its meaning from the field's verbose name and help text, its example from the data.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Max, Min, URLField
from django.urls import reverse
from django.utils.text import capfirst

from .caching import per_version
from .expressions import count_rows
from .models import (
    Agreement,
    City,
    DataVersion,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
)
from .open_data import DOWNLOAD_TYPES, citation
from .spreadsheets.columns import PostStateField
from .spreadsheets.resources import (
    AgreementResource,
    CityResource,
    MemberStateResource,
    OfficerResource,
    SourceResource,
    export_rows,
)
from .spreadsheets.widgets import (
    CachedModelWidget,
    ChoiceWidget,
    DateWidget,
    DecimalWidget,
    NameListWidget,
)

# How many records each table's examples are looked for in: the first non-blank value of a
# column among them is its example.
EXAMPLE_ROWS = 50


@dataclass(frozen=True)
class Dataset:
    """One public list, downloadable as CSV, XLSX and JSON."""

    name: str  # the data package's resource name and the download's file name
    title: str
    description: str
    url_name: str  # the list page (registry:<url_name>); its ?format= gives the files
    resource: type
    # Query parameters for the whole table (the officer list shows current holders only).
    complete_query: tuple = ()
    # Every table whose records the file's cells read: its history says when the file changed.
    reads: tuple = ()
    primary_key: tuple = ()
    # ((columns), other dataset's name, (its columns)): natural keys between the files.
    foreign_keys: tuple = ()

    @property
    def model(self):
        return self.resource._meta.model


DATASETS = (
    Dataset(
        name="member-states",
        title="Member states",
        description="The ten ASEAN member states in the network, by ISO 3166-1 code.",
        url_name="member-state-list",
        resource=MemberStateResource,
        reads=(MemberState, Network, Source),
        primary_key=("code",),
    ),
    Dataset(
        name="cities",
        title="Pilot cities",
        description=(
            "The network's pilot cities: member state, coordinates, when each joined, "
            "its action plan."
        ),
        url_name="city-list",
        resource=CityResource,
        reads=(City, MemberState, Network, Source),
        primary_key=("name", "member_state"),
        foreign_keys=((("member_state",), "member-states", ("code",)),),
    ),
    Dataset(
        name="officers",
        title="Officers",
        description=(
            "Every tenure, current and past, of the Chief Smart City Officers (one per pilot "
            "city) and the National Representatives (one per member state)."
        ),
        url_name="officer-list",
        resource=OfficerResource,
        complete_query=(("current", "all"),),
        reads=(Officer, City, MemberState, Source),
        # No primary key: a National Representative has no city and a start date may be
        # unknown, and a primary key may hold no blank cell.
        foreign_keys=(
            (("member_state",), "member-states", ("code",)),
            # A city by name alone: a National Representative's row has no city, and a key of
            # (city, member_state) half blank would be checked, and fail, as a whole.
            (("city",), "cities", ("name",)),
        ),
    ),
    Dataset(
        name="agreements",
        title="Agreements",
        description=(
            "Agreements, memoranda of understanding and funding announced in the network, "
            "with their parties."
        ),
        url_name="agreement-list",
        resource=AgreementResource,
        reads=(Agreement, Organisation, Network, Source),
        primary_key=("title",),
    ),
    Dataset(
        name="sources",
        title="Sources",
        description="The published sources every fact in the registry cites.",
        url_name="source-list",
        resource=SourceResource,
        reads=(Source,),
        primary_key=("title",),
    ),
)

DATASET_BY_NAME = {dataset.name: dataset for dataset in DATASETS}


@dataclass
class Column:
    """One column of a download, as a Table Schema field and a line of the data page."""

    name: str
    type: str  # a Table Schema type: string, number, date
    meaning: str
    required: bool = False
    format: str = "default"
    enum: tuple = ()
    minimum: object = None
    maximum: object = None
    example: str = ""


def model_field(resource_field, model):
    """The model field a column reads, or None for a computed, export-only column."""
    try:
        return model._meta.get_field(resource_field.attribute)
    except FieldDoesNotExist:
        return None


def widget_note(widget, target):
    """What a widget says about its cells, as a sentence."""
    if isinstance(widget, DateWidget):
        return "A date, YYYY-MM-DD."
    if isinstance(widget, ChoiceWidget):
        return "One of: " + ", ".join(widget.choices.values) + "."
    if isinstance(widget, DecimalWidget):
        if widget.minimum is not None:
            return f"A number from {widget.minimum} to {widget.maximum}."
        return "A number."
    if isinstance(widget, NameListWidget):
        return (
            f"The {widget.field}s of its {target._meta.verbose_name_plural}, "
            "separated by a semicolon and a space."
        )
    if isinstance(widget, CachedModelWidget):
        return f"The {target._meta.verbose_name}, by its {widget.field}."
    return ""


def column_of(resource_field, model):
    """The Column a resource field writes."""
    widget = resource_field.widget
    db_field = model_field(resource_field, model)
    target = getattr(db_field, "related_model", None)
    if db_field is None:
        # A computed column (e.g. in_post_as_of) says what it means itself.
        parts = [resource_field.meaning]
    else:
        parts = [capfirst(str(db_field.verbose_name)) + "."]
        if db_field.help_text:
            parts.append(str(db_field.help_text))
    if isinstance(resource_field, PostStateField):
        parts.append("For a Chief Smart City Officer, the member state of the city.")
    parts.append(widget_note(widget, target))
    column = Column(
        name=resource_field.column_name,
        type="string",
        meaning=" ".join(part for part in parts if part),
    )
    if isinstance(resource_field, PostStateField):
        column.required = True  # the city's state or the National Representative's own
    elif db_field is not None and not db_field.many_to_many:
        column.required = not db_field.null and not db_field.blank
    if isinstance(widget, DateWidget):
        column.type = "date"
    elif isinstance(widget, DecimalWidget):
        column.type = "number"
        column.minimum, column.maximum = widget.minimum, widget.maximum
    elif isinstance(widget, ChoiceWidget):
        column.enum = tuple(widget.choices.values)
    elif isinstance(db_field, URLField):
        column.format = "uri"
    return column


def columns_of(resource_class):
    """The columns of a resource's downloads, in the files' order, without examples."""
    model = resource_class._meta.model
    return [column_of(field, model) for field in resource_class().get_export_fields()]


def example_cells(dataset):
    """{column: the first non-blank cell} among the first records of a table: one query."""
    model = dataset.model
    first = model.objects.order_by("pk").values("pk")[:EXAMPLE_ROWS]
    headers, rows = export_rows(model.objects.filter(pk__in=first), dataset.resource)
    examples = {}
    for row in rows:
        for header, cell in zip(headers, row, strict=True):
            if header not in examples and cell not in (None, ""):
                examples[header] = cell.isoformat() if hasattr(cell, "isoformat") else str(cell)
        if len(examples) == len(headers):
            break
    return examples


def history_span(models):
    """{model: (first, last) time in its change history}, one aggregate query per model."""
    span = {}
    for model in models:
        times = model.history.model.objects.aggregate(
            first=Min("history_date"), last=Max("history_date")
        )
        span[model] = (times["first"], times["last"])
    return span


@dataclass
class DatasetState:
    """A dataset as it stands: its columns with examples, rows, first and last change."""

    dataset: Dataset
    columns: list
    rows: int
    modified: object  # a datetime
    issued: object = None  # a datetime, when the history reaches back to the first record


def complete_querysets():
    """{dataset name: the queryset of its complete download}."""
    return {
        "member-states": MemberState.objects.all(),
        "cities": City.objects.all(),
        "officers": Officer.objects.all(),
        "agreements": Agreement.objects.all(),
        "sources": Source.objects.all(),
    }


def build_states():
    changed_at = DataVersion.current().changed_at
    span = history_span({model for dataset in DATASETS for model in dataset.reads})
    counts = count_rows(
        **{name.replace("-", "_"): qs for name, qs in complete_querysets().items()}
    )
    states = []
    for dataset in DATASETS:
        examples = example_cells(dataset)
        columns = columns_of(dataset.resource)
        for column in columns:
            column.example = examples.get(column.name, "")
        lasts = [span[model][1] for model in dataset.reads if span[model][1] is not None]
        states.append(
            DatasetState(
                dataset=dataset,
                columns=columns,
                rows=counts[dataset.name.replace("-", "_")],
                modified=max(lasts) if lasts else changed_at,
                issued=span[dataset.model][0],
            )
        )
    return states


def dataset_states():
    """Every dataset as it stands (DatasetState), computed once per data version."""
    return per_version("dataset-states", build_states)


def registry_modified(states):
    """When any dataset last changed."""
    return max(state.modified for state in states)


def download_url(absolute, dataset, file_format):
    """The absolute URL of a dataset's complete download in a format; `absolute(path)`
    makes a path absolute (request.build_absolute_uri)."""
    query = urlencode([("format", file_format), *dataset.complete_query])
    return absolute(f"{reverse(f'registry:{dataset.url_name}')}?{query}")


def page_entries(states, absolute, publisher=""):
    """The data page's datasets: (state, [(format, URL)], how to cite it)."""
    return [
        (
            state,
            [(name, download_url(absolute, state.dataset, name)) for name in DOWNLOAD_TYPES],
            citation(
                absolute(reverse(f"registry:{state.dataset.url_name}")),
                dataset=state.dataset.title.lower(),
                publisher=publisher,
            ),
        )
        for state in states
    ]
