"""
The fast import path: RegistryResource, the django-import-export resource every table extends.

RegistryResource.import_data() is the one import path: the admin (preview and confirm), the
`import` and `import_registry` commands and code all call it. It makes every import atomic,
reports each problem as (line, column, plain reason), and writes in batches:
persist_new() / persist_changes() are every database write of an import, each with its change
history (attributed to the user and file, see registry.history.recorded_as), and
RegistryResource.authorize() decides whether the user may write a row (a member-state editor
only the cities and officers of their own states).

By concern: prepare.py (checking a whole file), resource.py (RegistryResource and its instance
loader), validation.py (checking each record), problems.py (what a refused import reports),
persist.py (writing), pgcopy.py (writing new rows with PostgreSQL's COPY), results.py (what an
import returns).

Every override of a django-import-export internal lives here:

- resource.py, RegistryResource (a resources.ModelResource): __init__, get_import_fields,
  get_result_class, get_row_result_class, import_data, import_row, before_import_row,
  after_import, init_instance, get_or_init_instance, after_init_instance, import_instance,
  skip_row, before_save_instance, export_resource, filter_export; Meta.instance_loader_class.
- resource.py, NaturalKeyInstanceLoader (an instance_loaders.BaseInstanceLoader): __init__.
- validation.py, InstanceValidation: validate_instance.
- persist.py, BatchWrites: save_instance, get_bulk_update_fields, bulk_create, bulk_update.
- results.py, RegistryRowResult (a results.RowResult): __init__, add_instance_info, object_id,
  object_repr; RegistryImportResult (a results.Result): __init__, has_errors.

Outside this package, only documented extension points are overridden: the format classes
(formats.py), the widgets (widgets.py), the tmp storage (storage.py), RowExportMixin.export()
(export_reader.py), and the resources' own hooks in resources.py and officers.py.
"""
