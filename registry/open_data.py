"""
The terms the open data is published under, and how to cite it.

The licence is DJANGO_DATA_LICENCE (settings.DATA_LICENCE), chosen by the ASCN secretariat;
CC BY 4.0 unless it says otherwise. Pages state it in the footer (the `licence_context`
context processor), the Popolo JSON in its `meta`, and every download in a
`Link: <...>; rel="license"` header (ascn/open_data.py).
"""

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

# The public lists' downloads: format -> (media type, the name people know it by).
DOWNLOAD_TYPES = {
    "csv": ("text/csv", "CSV"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
    "json": ("application/json", "JSON"),
}

# Who publishes the registry, when no network record names it.
DEFAULT_PUBLISHER = "ASEAN Smart Cities Network"
REGISTRY_TITLE = "ASCN Registry"


def data_licence():
    """The licence as {"name", "url"}."""
    return settings.DATA_LICENCE


def licence_context(request):
    """A context processor: the licence as `data_licence` in every template."""
    return {"data_licence": data_licence()}


def licence_metadata():
    """The licence as JSON metadata (Popolo's `meta`): the URL a machine follows, the name
    a person reads."""
    licence = data_licence()
    return {"name": licence["name"], "url": licence["url"]}


def citation(url, dataset="", publisher="", day=None):
    """
    How to cite a dataset of the registry, as one line of text:

        ASEAN Smart Cities Network. ASCN Registry: cities [data set]. https://host/cities/.
        Retrieved 2 December 2026. Licence: CC BY 4.0.

    `dataset` names the part (a list) or is empty for the whole registry; `day` is the day
    it was retrieved (today by default).
    """
    day = day or timezone.localdate()
    title = f"{REGISTRY_TITLE}: {dataset}" if dataset else REGISTRY_TITLE
    return (
        f"{publisher or DEFAULT_PUBLISHER}. {title} [data set]. {url}. "
        f"Retrieved {date_format(day, 'DATE_FORMAT')}. Licence: {data_licence()['name']}."
    )
