"""
The Frictionless Data Package of the registry (/data/datapackage.json): one resource per CSV
download, each with a Table Schema generated from the spreadsheet resources (datasets.py).

https://specs.frictionlessdata.io/data-package/ and /table-schema/. Blank cells are missing
values (""), which is how the downloads write an unknown value, and every column's type is
declared, so a column that happens to be empty everywhere is still typed.
"""

from django.urls import reverse

from .datasets import download_url, registry_modified
from .open_data import DEFAULT_PUBLISHER, REGISTRY_TITLE, data_licence


def table_field(column):
    field = {
        "name": column.name,
        "type": column.type,
        "format": column.format,
        "description": column.meaning,
    }
    constraints = {}
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    if column.minimum is not None:
        constraints["minimum"] = float(column.minimum)
        constraints["maximum"] = float(column.maximum)
    if constraints:
        field["constraints"] = constraints
    if column.example:
        field["example"] = column.example
    return field


def table_schema(state):
    dataset = state.dataset
    schema = {
        "fields": [table_field(column) for column in state.columns],
        "missingValues": [""],
    }
    if dataset.primary_key:
        schema["primaryKey"] = list(dataset.primary_key)
    if dataset.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": list(columns),
                "reference": {
                    "resource": other,
                    "fields": list(other_columns),
                },
            }
            for columns, other, other_columns in dataset.foreign_keys
        ]
    return schema


def build(states, absolute, publisher=""):
    """The Data Package descriptor; `absolute(path)` makes a path an absolute URL."""
    licence = data_licence()
    home = absolute(reverse("registry:home"))
    resources = []
    for state in states:
        dataset = state.dataset
        resources.append(
            {
                "name": dataset.name,
                "title": dataset.title,
                "description": dataset.description,
                "path": download_url(absolute, dataset, "csv"),
                "format": "csv",
                "mediatype": "text/csv",
                # The downloads start with a byte order mark, for spreadsheet programs.
                "encoding": "utf-8-sig",
                "profile": "tabular-data-resource",
                "schema": table_schema(state),
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "ascn-registry",
        "title": REGISTRY_TITLE,
        "description": (
            "The open registry of the ASEAN Smart Cities Network: member states, pilot cities, "
            "officers, agreements and the sources of every fact."
        ),
        "homepage": home,
        "created": registry_modified(states).isoformat(),
        "licenses": [{"name": licence["name"], "path": licence["url"], "title": licence["name"]}],
        "sources": [
            {"title": publisher or DEFAULT_PUBLISHER, "path": home},
            {
                "title": "The sources each fact cites",
                "path": absolute(reverse("registry:source-list")),
            },
        ],
        "resources": resources,
    }
