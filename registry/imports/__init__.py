"""
The machinery under registry/resources.py: widgets that read the staff's vocabulary (ISO codes,
names, YYYY-MM-DD dates) with one query per related table per file, and RegistryResource, the
django-import-export resource every registry table's resource extends.

RegistryResource.import_data() is the one import path: the admin (preview and confirm), the
`import` and `import_registry` commands and code all call it. It makes every import atomic,
reports each problem as (line, column, plain reason), and writes in batches:
persist_new() / persist_changes() are every database write of an import, each with its change
history (attributed to the user and file, see registry.history.recorded_as), and
RegistryResource.authorize() decides whether the user may write a row (a member-state editor
only the cities and officers of their own states).

By concern: widgets.py (reading cells), prepare.py (checking a whole file), resource.py
(RegistryResource), persist.py (writing), results.py (what an import returns).
"""

from .persist import update_from_values
from .prepare import ERROR_COLUMN, normalise_header, normalise_text
from .resource import KEY_CHUNK, NaturalKeyInstanceLoader, RegistryResource
from .results import ImportRefused, Problem, RegistryImportResult, RegistryRowResult
from .widgets import (
    CachedLookup,
    CachedModelWidget,
    ChoiceWidget,
    CityWidget,
    DateWidget,
    DecimalWidget,
    MemberStateWidget,
    NameListWidget,
    SlugWidget,
    TextWidget,
    display,
    name_key,
)

__all__ = [
    "ERROR_COLUMN",
    "KEY_CHUNK",
    "CachedLookup",
    "CachedModelWidget",
    "ChoiceWidget",
    "CityWidget",
    "DateWidget",
    "DecimalWidget",
    "ImportRefused",
    "MemberStateWidget",
    "NameListWidget",
    "NaturalKeyInstanceLoader",
    "Problem",
    "RegistryImportResult",
    "RegistryResource",
    "RegistryRowResult",
    "SlugWidget",
    "TextWidget",
    "display",
    "name_key",
    "normalise_header",
    "normalise_text",
    "update_from_values",
]
