"""The registry's spreadsheets: reading, writing, importing and exporting every table."""

# Named by dotted path outside Python: `manage.py export registry.spreadsheets.XLSX ...` and
# settings.IMPORT_EXPORT_TMP_STORAGE_CLASS. The canonical homes are formats.py and storage.py.
from .formats import CSV, JSON, ODS, XLSX
from .storage import SharedCacheStorage

__all__ = ["CSV", "JSON", "ODS", "XLSX", "SharedCacheStorage"]
