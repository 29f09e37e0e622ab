"""
RegistryResource, the django-import-export resource every registry table's resource extends.

RegistryResource.import_data() is the one import path: the admin (preview and confirm), the
`import` and `import_registry` commands and code all call it. It makes every import atomic,
reports each problem as (line, column, plain reason), and writes in batches (see persist.py);
RegistryResource.authorize() decides whether the user may write a row (a member-state editor
only the cities and officers of their own states).
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields import NOT_PROVIDED
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Error, RowResult

from registry import history, permissions
from registry.models import touch_registry

from .. import gc_pause
from ..errors import ImportRefused, SpreadsheetError
from ..widgets import CachedLookup, CachedModelWidget, display
from .persist import BatchWrites
from .prepare import FilePreparation
from .problems import ProblemReports
from .results import RegistryImportResult, RegistryRowResult
from .validation import InstanceValidation

# Natural keys of large tables are loaded this many at a time (one query each).
KEY_CHUNK = 500


# Instance loading -------------------------------------------------------------------------


class NaturalKeyInstanceLoader(BaseInstanceLoader):
    """The existing records a file names, keyed by natural key, in one query per 500 keys."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.instances = resource.load_existing(dataset)


# Resources --------------------------------------------------------------------------------


class RegistryResource(
    FilePreparation, ProblemReports, InstanceValidation, BatchWrites, resources.ModelResource
):
    """
    Defaults and rules shared by every registry resource.

    Subclasses declare their fields (column = model field name), the `key_columns` a file
    must have, and `row_key()` / `instance_key()`, the natural key of a row and of a record.
    """

    #: Columns every file of this table must have (its natural key).
    key_columns = ()
    #: Model fields that must be unique besides the natural key.
    unique_fields = ("slug",)
    #: Sheet title in whole-registry workbooks.
    sheet_name = ""

    class Meta:
        use_bulk = True
        batch_size = 1000
        chunk_size = 2000
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        # Changes are computed by skip_row() below, without deep-copying every record.
        skip_diff = True
        skip_html_diff = True
        store_row_values = True
        clean_model_instances = True
        instance_loader_class = NaturalKeyInstanceLoader

    def __init__(self, progress=None, **kwargs):
        super().__init__(**kwargs)
        self.progress = progress
        # django-import-export works the field list out again for every row; it is fixed.
        self.import_fields = super().get_import_fields()
        self.field_by_column = {f.column_name: f for f in self.get_import_fields()}
        self.m2m_fields = [
            f for f in self.get_import_fields() if isinstance(f.widget, widgets.ManyToManyWidget)
        ]
        self.column_of_attribute = {f.attribute: f.column_name for f in self.fields.values()}
        self.validated_fields = [
            f for f in self._meta.model._meta.concrete_fields if not (f.is_relation or f.generated)
        ]
        self.instance_fields = [
            (f, self.is_plain_field(f))
            for f in self.get_import_fields()
            if f.attribute and not isinstance(f.widget, widgets.ManyToManyWidget)
        ]

    def get_import_fields(self):
        return self.import_fields

    def is_plain_field(self, field):
        """
        Whether Field.save() would only set the attribute to the widget's value: the Field
        class itself (a subclass may save otherwise), writable, a plain attribute (no
        "__" path), no default for empty cells, and no import_field() of the resource's own.
        """
        return (
            type(field) is Field
            and type(self).import_field is resources.Resource.import_field
            and not field.readonly
            and "__" not in field.attribute
            and field.default is NOT_PROVIDED
        )

    # --- the import ---------------------------------------------------------------------

    def get_result_class(self):
        return RegistryImportResult

    def get_row_result_class(self):
        return RegistryRowResult

    @gc_pause.paused()
    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """
        Import a dataset atomically: with any problem, nothing is written.

        django-import-export keeps the valid rows of a file with invalid ones unless told to
        roll back; here every path rolls back, always inside a transaction.
        """
        self.reset_import_state()
        user = kwargs.get("user")
        try:
            self.check_import_permission(user)
            self.prepare(dataset)
        except SpreadsheetError as error:
            result = self.get_result_class()()
            result.sheet = self.sheet_name
            result.add_problem(None, "", str(error))
            result.append_base_error(Error(ImportRefused(result)))
            return result
        # The history of every record written is attributed to the user and the file (an
        # enclosing recorded_as block, e.g. a command's, gives them otherwise).
        file_name = kwargs.get("file_name")
        reason = _("Spreadsheet import of %(file)s") % {"file": file_name} if file_name else ""
        with history.recorded_as(
            user=user if user and user.is_authenticated else None, reason=reason
        ):
            result = super().import_data(
                dataset,
                dry_run=dry_run,
                raise_errors=raise_errors,
                use_transactions=True,
                collect_failed_rows=False,
                rollback_on_validation_errors=True,
                **kwargs,
            )
        result.sheet = self.sheet_name
        note = self.ignored_columns_note()
        if note:
            result.notes.append(note)
        self.collect_problems(dataset, result)
        return result

    def check_import_permission(self, user):
        """A user given to import_data must hold the table's import permission."""
        if user is None:
            return
        opts = self._meta.model._meta
        if not user.has_perm(f"{opts.app_label}.import_{opts.model_name}"):
            raise SpreadsheetError(
                _("You may not import %(table)s.") % {"table": opts.verbose_name_plural}
            )

    def reset_import_state(self):
        self.__dict__.pop("_tracked", None)
        for field in self.fields.values():
            if isinstance(field.widget, CachedLookup):
                field.widget.reset()
        self.lines = []
        self.cell_problems = {}
        self.present_columns = set()
        self.seen_keys = {}
        self.unique_values = {}
        self.pending_m2m = []
        self.unrecorded_m2m = []
        self.changed_fields = set()
        self.before = None
        self.m2m_values = {}
        self.cleaned_values = {}
        self.id_sequences = {}
        self.new_record_template = None
        self.row_changes = []
        self.row_notes = []
        self.row_line = None
        self.total_rows = 0

    def line_of(self, number):
        return self.lines[number - 1] if number and number <= len(self.lines) else number

    def import_row(self, row, instance_loader, **kwargs):
        self.row_changes = []
        self.row_notes = []
        self.row_line = self.line_of(kwargs["row_number"])
        row_result = super().import_row(row, instance_loader, **kwargs)
        row_result.line = self.row_line
        row_result.changes = self.row_changes
        row_result.notes = self.row_notes
        if self.progress and (
            kwargs["row_number"] % 500 == 0 or kwargs["row_number"] == len(self.lines)
        ):
            self.progress(kwargs["row_number"], len(self.lines))
        return row_result

    def before_import_row(self, row, **kwargs):
        bad_cells = self.cell_problems.get(kwargs["row_number"] - 1)
        if bad_cells:
            raise ValidationError(
                {
                    self.field_by_column[column].attribute: message
                    for column, message in bad_cells.items()
                }
            )

    def after_import(self, dataset, result, **kwargs):
        # django-import-export resets the table's id sequence here; imports never write ids.
        # Bulk writes send no save signals: bump the public pages' data version here, in the
        # import's transaction, so that it changes exactly when the rows do.
        written = (
            result.totals[RowResult.IMPORT_TYPE_NEW] + result.totals[RowResult.IMPORT_TYPE_UPDATE]
        )
        if (
            written
            and not kwargs.get("dry_run")
            and not result.has_errors()
            and not result.has_validation_errors()
        ):
            touch_registry(router.db_for_write(self._meta.model))

    # --- matching rows to records -------------------------------------------------------

    def row_key(self, row):
        """The natural key a row names, normalised; None when it cannot be worked out."""
        raise NotImplementedError

    def instance_key(self, instance):
        raise NotImplementedError

    def describe_key(self, row):
        return str(row.get(self.key_columns[0], ""))

    def load_queryset(self):
        return self._meta.model.objects.all()

    def load_existing(self, dataset):
        """{natural key: record} for the records the file may name (all, for small tables)."""
        queryset = self.load_queryset()
        prefetch = [f.attribute for f in self.m2m_fields if f.column_name in self.present_columns]
        if prefetch:
            queryset = queryset.prefetch_related(*prefetch)
        instances = {}
        for instance in queryset:
            self.attach_related(instance)
            instances[self.instance_key(instance)] = instance
            for name in self.unique_fields:
                value = getattr(instance, name)
                if value not in (None, ""):
                    self.unique_values.setdefault(name, {})[value] = (instance, None)
        return instances

    def attach_related(self, instance):
        """Fill a loaded record's foreign-key caches from the widgets' caches (no queries)."""

    def init_instance(self, row=None):
        """
        A new record, copied from one made once per import: Model() works every default out
        again, a tenth of the time of an import of new rows. Model() itself where a copy would
        differ: a default worked out per record (a callable), or code listening to the
        model's pre_init/post_init signals.
        """
        model = self._meta.model
        if self.new_record_template is None:
            fresh = model()
            copyable = not (
                signals.pre_init.has_listeners(model)
                or signals.post_init.has_listeners(model)
                or any(f.has_default() and callable(f.default) for f in model._meta.fields)
            )
            self.new_record_template = dict(fresh.__dict__) if copyable else {}
            return fresh
        if not self.new_record_template:
            return model()
        instance = model.__new__(model)
        instance.__dict__.update(self.new_record_template)
        instance._state = ModelState()
        return instance

    def get_or_init_instance(self, instance_loader, row):
        key = self.row_key(row)
        if key is not None:
            first = self.seen_keys.get(key)
            if first is not None:
                raise ValidationError(
                    _(
                        "the same %(model)s, %(what)s, appears twice in the file, on lines "
                        "%(first)s and %(line)s."
                    )
                    % {
                        "model": self._meta.model._meta.verbose_name,
                        "what": self.describe_key(row),
                        "first": first,
                        "line": self.row_line,
                    }
                )
            self.seen_keys[key] = self.row_line
            instance = self.find_instance(instance_loader.instances, key, row)
            if instance is not None:
                return instance, False
        return self.init_instance(row), True

    def find_instance(self, instances, key, row):
        return instances.get(key)

    def after_init_instance(self, instance, new, row, **kwargs):
        self.before = None if new else self.snapshot(instance)

    # --- what changed -------------------------------------------------------------------

    def tracked_fields(self):
        """(column, model field) for every column of the file that maps to a model field."""
        if not hasattr(self, "_tracked"):
            model = self._meta.model
            self._tracked = []
            for field in self.get_import_fields():
                column = field.column_name
                if column not in self.present_columns or field.readonly or not field.attribute:
                    continue
                try:
                    model_field = model._meta.get_field(field.attribute)
                except Exception:
                    continue
                self._tracked.append((column, model_field))
        return self._tracked

    def snapshot(self, instance):
        values = {}
        for column, model_field in self.tracked_fields():
            if model_field.many_to_many:
                values[column] = frozenset(o.pk for o in getattr(instance, model_field.name).all())
            else:
                values[column] = getattr(instance, model_field.attname)
        return values

    def import_instance(self, instance, row, **kwargs):
        """
        django-import-export's import_instance(), with the path through import_field(),
        Field.save() and Field.clean() taken in one step for plain fields (is_plain_field()):
        the same values set and the same errors, in a fraction of the calls per cell.
        """
        errors = {}
        for field, plain in self.instance_fields:
            if field.column_name not in row:
                continue
            try:
                if plain:
                    value = field.widget.clean(row[field.column_name], row=row, **kwargs)
                    if value is not None or field.saves_null_values:
                        setattr(instance, field.attribute, value)
                else:
                    self.import_field(field, instance, row, **kwargs)
            except ValueError as error:
                errors[field.attribute] = ValidationError(force_str(error), code="invalid")
        # django-import-export sets many-to-many values only after saving each row, which
        # batched writes skip; they are read here and written with each batch.
        self.m2m_values = {}
        for field in self.m2m_fields:
            if field.column_name in row:
                try:
                    self.m2m_values[field.attribute] = field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or self.before is None:
            return False
        for column, model_field in self.tracked_fields():
            before = self.before[column]
            if model_field.many_to_many:
                if model_field.name not in self.m2m_values:
                    continue
                after = frozenset(o.pk for o in self.m2m_values[model_field.name])
            else:
                after = getattr(instance, model_field.attname)
            if before != after:
                self.changed_fields.add(model_field.name)
                self.row_changes.append(
                    (
                        column,
                        self.display_value(model_field, before),
                        self.display_value(model_field, after),
                    )
                )
        return not self.row_changes

    def display_value(self, model_field, value):
        field = self.field_by_column.get(model_field.name)
        if model_field.many_to_many:
            widget = field.widget
            return display(
                "; ".join(
                    sorted(
                        getattr(widget.by_pk(pk), widget.field) for pk in value if widget.by_pk(pk)
                    )
                )
            )
        if model_field.is_relation and value is not None:
            widget = field.widget
            obj = widget.by_pk(value) if isinstance(widget, CachedModelWidget) else None
            return display(getattr(obj, widget.field, value) if obj else value)
        return display(value)

    # --- writing ------------------------------------------------------------------------

    def before_save_instance(self, instance, row, **kwargs):
        self.authorize(instance, row, **kwargs)

    def authorize(self, instance, row, user=None, **kwargs):
        """
        May `user` write this row? Raise ValidationError to refuse it; the whole import is
        then refused like for any other row error. Every write path calls this, for every
        new or changed row (unchanged rows are never written); the permission to import the
        table is checked before the file is read. A member-state editor may write only the
        cities and officers of their own member states.
        """
        if user is None or permissions.can_edit_record(user, instance):
            return
        state = self.member_state_of(instance)
        # The problem is filed under the column that names the state, if the file has one.
        column = next(
            (
                c
                for c in ("member_state", "city")
                if c in self.field_by_column and row.get(c) not in (None, "")
            ),
            None,
        )
        message = _(
            "you may import only the records of your own member states; this %(model)s is in "
            "%(state)s."
        ) % {
            "model": self._meta.model._meta.verbose_name,
            "state": state or instance,
        }
        raise ValidationError(
            {self.field_by_column[column].attribute if column else NON_FIELD_ERRORS: message}
        )

    def member_state_of(self, instance):
        """The member state a record belongs to, from the widgets' caches (no query)."""
        state_id = permissions.member_state_id_of(instance)
        state_field = self.fields.get("member_state")
        return state_field.widget.by_pk(state_id) if state_field and state_id else None

    # --- export -------------------------------------------------------------------------

    def export_resource(self, instance, selected_fields=None, **kwargs):
        """A record's cells as stored (the CSV writer escapes formula-looking text)."""
        return [
            self.export_field(field, instance, **kwargs)
            for field in self.get_export_fields(selected_fields)
        ]

    def export_queryset(self, queryset):
        """The export queryset with what the columns need, in a fixed number of queries."""
        return queryset

    def filter_export(self, queryset, **kwargs):
        return self.export_queryset(queryset)
