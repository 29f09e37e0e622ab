"""
The machinery under registry/resources.py: widgets that read the staff's vocabulary (ISO codes,
names, YYYY-MM-DD dates) with one query per related table per file, and RegistryResource, the
django-import-export resource every registry table's resource extends.

RegistryResource.import_data() is the one import path: the admin (preview and confirm), the
`import` and `import_registry` commands and code all call it. It makes every import atomic,
reports each problem as (line, column, plain reason), and writes in batches. The places later
features hook into are RegistryResource.authorize() (may this user write this row?) and
persist_new() / persist_changes() (every database write of an import).
"""

import contextlib
import datetime
import decimal
import hashlib
import unicodedata
from collections import defaultdict

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connections, router
from django.utils.text import slugify
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Error, Result, RowResult

from .spreadsheets import (
    UNSTORABLE_CHARACTERS,
    FormulaCell,
    NestedValue,
    SpreadsheetError,
    escape_formula,
    text_cell,
    unescape_formula,
)

# The failed-rows file that the admin offers has this extra column; importing it again ignores it.
ERROR_COLUMN = "error"
# Natural keys of large tables are loaded this many at a time (one query each).
KEY_CHUNK = 500


def normalise_text(value):
    """Surrounding whitespace stripped, one apostrophe escape undone, NFC, "\\n" newlines."""
    value = unescape_formula(value.strip())
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", value)


def normalise_header(value):
    value = "" if value is None else str(value)
    return value.replace("\ufeff", "").strip().lower().replace(" ", "_").replace("-", "_")


def display(value):
    if value is None or value == "":
        return _("(blank)")
    if isinstance(value, decimal.Decimal):
        value = DecimalWidget().render(value)
    return text_cell(value)


def name_key(value):
    return unicodedata.normalize("NFC", value.strip()).casefold()


# Widgets ----------------------------------------------------------------------------------
# Each raises ValueError with a plain sentence; django-import-export files it under the column.
# render() returns native values (str, Decimal, date, None); the formats write them.


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class SlugWidget(TextWidget):
    """A blank slug keeps the record's slug; a new record gets one made from its name."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value) or None


class DateWidget(widgets.Widget):
    """ISO 8601 dates (YYYY-MM-DD) and native date cells; nothing else, never day-first."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            if value.time() != datetime.time():
                raise ValueError(
                    _("'%(value)s' has a time of day; a date is expected (YYYY-MM-DD).")
                    % {"value": value.isoformat(sep=" ")}
                )
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value)
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    _("'%(value)s' is not a date that exists (YYYY-MM-DD).") % {"value": text}
                ) from None
        raise ValueError(
            _("'%(value)s' is not a YYYY-MM-DD date: write dates as YYYY-MM-DD, e.g. 2018-07-08.")
            % {"value": text}
        )

    def render(self, value, obj=None, **kwargs):
        return value


class DecimalWidget(widgets.Widget):
    """Plain numbers ("13.7563", "-6.2088", native number cells), optionally within a range."""

    def __init__(self, minimum=None, maximum=None, label=None, places=None):
        super().__init__(coerce_to_string=False)
        self.minimum = minimum
        self.maximum = maximum
        self.label = label
        # Coordinates are kept to 5 places (about a metre); a spreadsheet's 13.756330000001
        # is rounded rather than refused.
        self.places = places

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise ValueError(_("'%(value)s' is not a number.") % {"value": value})
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            raise ValueError(_("'%(value)s' is not a number.") % {"value": value}) from None
        if not number.is_finite():
            raise ValueError(_("'%(value)s' is not a number.") % {"value": value})
        if self.minimum is not None and not self.minimum <= number <= self.maximum:
            raise ValueError(
                _("%(label)s %(value)s is out of range: it must be between %(min)s and %(max)s.")
                % {"label": self.label, "value": value, "min": self.minimum, "max": self.maximum}
            )
        if self.places is not None and number.as_tuple().exponent < -self.places:
            number = number.quantize(decimal.Decimal(1).scaleb(-self.places))
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        value = value.normalize()
        # normalize() writes 100 as 1E+2; keep whole numbers whole.
        return value.quantize(decimal.Decimal(1)) if value.as_tuple().exponent > 0 else value


class ChoiceWidget(widgets.Widget):
    """A TextChoices value, by its code or its label, in any case; blank means the default."""

    def __init__(self, choices, default=None):
        super().__init__()
        self.choices = choices
        self.default = default
        self.lookup = {}
        for code, label in choices.choices:
            self.lookup[code.casefold()] = code
            self.lookup[str(label).casefold()] = code

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return self.default
        code = self.lookup.get(str(value).strip().casefold())
        if code is None:
            raise ValueError(
                _("'%(value)s' is not one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(self.choices.values)}
            )
        return code

    def render(self, value, obj=None, **kwargs):
        return value or ""


class CachedLookup:
    """
    Records of a related table by natural key, from one query per file: the first look-up
    loads the table, later rows are dictionary look-ups.
    """

    def __deepcopy__(self, memo):
        # Each resource instance (one import) gets an empty cache of its own.
        return type(self)(self.model, self.field)

    def key(self, value):
        return name_key(str(value))

    def load(self):
        if getattr(self, "_by_key", None) is None:
            self._by_key = defaultdict(list)
            self._by_pk = {}
            for obj in self.get_load_queryset():
                self._by_key[self.key(getattr(obj, self.field))].append(obj)
                self._by_pk[obj.pk] = obj

    def get_load_queryset(self):
        return self.model.objects.all()

    def reset(self):
        """Forget the table, so that the next import reads it afresh."""
        self._by_key = self._by_pk = None
        self.__dict__.pop("_memo", None)

    def by_pk(self, pk):
        self.load()
        return self._by_pk.get(pk)

    def find(self, value):
        self.load()
        return self._by_key.get(self.key(value), [])

    def all(self):
        self.load()
        return list(self._by_pk.values())


class CachedModelWidget(CachedLookup, widgets.ForeignKeyWidget):
    """A foreign key by natural key (a name, a slug), resolved from the cached table."""

    def __init__(self, model, field, **kwargs):
        super().__init__(model, field=field, **kwargs)

    def not_found(self, value):
        return _("unknown %(model)s '%(value)s'.") % {
            "model": self.model._meta.verbose_name,
            "value": value,
        }

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        matches = self.find(value)
        if len(matches) != 1:
            raise ValueError(self.not_found(value))
        return matches[0]

    def remembered(self, key, look_up):
        """look_up() once per distinct key in a file; failures are remembered too."""
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            try:
                memo[key] = (look_up(), None)
            except ValueError as error:
                memo[key] = (None, error)
        found, error = memo[key]
        if error is not None:
            raise error
        return found

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.field)


class MemberStateWidget(CachedModelWidget):
    """A member state by its ISO 3166-1 alpha-2 code, in any case."""

    def __init__(self, model=None, field="code", **kwargs):
        from .models import MemberState

        super().__init__(model or MemberState, field)

    def key(self, value):
        return str(value).strip().upper()

    def not_found(self, value):
        return _("unknown member state '%(value)s' (use an ISO 3166-1 alpha-2 code, e.g. TH).") % {
            "value": value
        }


class CityWidget(CachedModelWidget):
    """A city by name; the row's member_state column tells same-named cities apart."""

    def __init__(self, model=None, field="name", state_widget=None, **kwargs):
        from .models import City

        super().__init__(model or City, field)
        self.state_widget = state_widget or MemberStateWidget()

    def __deepcopy__(self, memo):
        return type(self)(state_widget=MemberStateWidget())

    def get_load_queryset(self):
        return self.model.objects.with_state()

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        code = (row or {}).get("member_state")
        return self.remembered((value, code), lambda: self.look_up(value, code))

    def look_up(self, value, code):
        matches = self.find(value)
        state = None
        if code not in (None, ""):
            # An unknown code is reported by the member_state column itself.
            with contextlib.suppress(ValueError):
                state = self.state_widget.clean(code)
        if state is not None:
            matches = [city for city in matches if city.member_state_id == state.pk]
            if not matches:
                raise ValueError(
                    _("city '%(name)s' not found in %(code)s.")
                    % {"name": value, "code": state.code}
                )
        if not matches:
            raise ValueError(_("city '%(name)s' not found.") % {"name": value})
        if len(matches) > 1:
            exact = [city for city in matches if city.name == value]
            if len(exact) == 1:
                return exact[0]
            raise ValueError(
                _(
                    "there are cities named '%(name)s' in %(codes)s: add a member_state column "
                    "to say which."
                )
                % {
                    "name": value,
                    "codes": ", ".join(sorted(c.member_state.code for c in matches)),
                }
            )
        return matches[0]


class NameListWidget(CachedLookup, widgets.ManyToManyWidget):
    """Several records by name in one cell, separated by ";" — an unknown name is an error."""

    def __init__(self, model, field="name", **kwargs):
        super().__init__(model, separator=";", field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return []
        found = []
        for name in str(value).split(self.separator):
            name = name.strip()
            if not name:
                continue
            matches = self.find(name)
            if len(matches) != 1:
                raise ValueError(
                    _("unknown %(model)s '%(name)s' in '%(value)s'.")
                    % {"model": self.model._meta.verbose_name, "name": name, "value": value}
                )
            if matches[0] not in found:
                found.append(matches[0])
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "; ".join(sorted(getattr(o, self.field) for o in value.all()))


# Writing ----------------------------------------------------------------------------------


def update_from_values(model, instances, field_names, batch_size=1000):
    """
    What QuerySet.bulk_update() does, as one PostgreSQL UPDATE ... FROM (VALUES ...) per batch:
    bulk_update() builds a CASE expression per row and field, which takes most of an import
    of 50,000 changed rows to compile.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in field_names]
    columns = [pk, *fields]
    row_sql = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in columns) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    names = ", ".join(quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(instances), batch_size):
            batch = instances[start : start + batch_size]
            params = []
            for instance in batch:
                params.append(pk.get_db_prep_save(instance.pk, connection))
                params.extend(
                    f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields
                )
            cursor.execute(
                f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v({names}) "
                f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}",
                params,
            )


# Results ----------------------------------------------------------------------------------


class Problem:
    """One reason a file was refused: where (line, column) and why, in plain words."""

    def __init__(self, line, column, message):
        self.line = line
        self.column = column
        self.message = message[:1].upper() + message[1:]

    def __str__(self):
        where = []
        if self.line:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            where.append(_("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def __repr__(self):
        return f"<Problem {self}>"


class ImportRefused(Exception):
    """Stands for all of an import's problems among django-import-export's base errors."""

    def __init__(self, result):
        self.result = result
        super().__init__(result.report())

    def __repr__(self):
        # django-import-export's `import` command prints repr(error): make it the report.
        return str(self)


class RegistryRowResult(RowResult):
    def __init__(self):
        super().__init__()
        self.line = None
        self.changes = []  # [(column, before, after)] for an updated record
        self.notes = []  # side effects worth saying, e.g. a CSCO replaced
        self._record = None
        self._repr = None

    # str(record) for every row of a 50,000-row file costs more than importing it; the
    # preview and the change log read it for the rows they show, after the batch is saved
    # (so a new record's id is known too).
    def add_instance_info(self, instance):
        self._record = instance

    @property
    def object_id(self):
        return getattr(self._record, "pk", None)

    @object_id.setter
    def object_id(self, value):
        pass

    @property
    def object_repr(self):
        if self._repr is None and self._record is not None:
            self._repr = str(self._record)
        return self._repr

    @object_repr.setter
    def object_repr(self, value):
        self._repr = value


class RegistryImportResult(Result):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems = []
        self.notes = []
        self.sheet = ""
        self.failed_dataset = None

    def add_problem(self, line, column, message):
        self.problems.append(Problem(line, column, message))

    @property
    def refused(self):
        return bool(self.problems)

    def summary(self):
        totals = self.totals
        return _("%(new)s new, %(update)s updated, %(skip)s unchanged") % {
            "new": totals[RowResult.IMPORT_TYPE_NEW],
            "update": totals[RowResult.IMPORT_TYPE_UPDATE],
            "skip": totals[RowResult.IMPORT_TYPE_SKIP],
        }

    def report(self):
        """The whole outcome as plain text, for the command line."""
        if not self.problems:
            return self.summary()
        lines = [
            _("Nothing was imported: %(count)s problem(s) found.") % {"count": len(self.problems)}
        ]
        prefix = f"{self.sheet}, " if self.sheet else ""
        lines += [f"  {prefix}{problem}" for problem in self.problems]
        return "\n".join(lines)

    def has_errors(self):
        return bool(self.problems) or super().has_errors()

    def changed_rows(self):
        return [row for row in self.rows if row.import_type in ("new", "update")]


# Instance loading -------------------------------------------------------------------------


class NaturalKeyInstanceLoader(BaseInstanceLoader):
    """The existing records a file names, keyed by natural key, in one query per 500 keys."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.instances = resource.load_existing(dataset)


# Resources --------------------------------------------------------------------------------


class RegistryResource(resources.ModelResource):
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

    def get_import_fields(self):
        return self.import_fields

    # --- preparing the file -------------------------------------------------------------

    @classmethod
    def columns(cls):
        return [f.column_name for f in cls().get_import_fields()]

    def prepare(self, dataset):
        """
        Check the headers and normalise every cell, in place; record what each row's line is
        and which cells are unusable. Raises SpreadsheetError for a file-level problem.
        """
        raw = [normalise_header(h) for h in (dataset.headers or [])]
        known = set(self.field_by_column)
        if len(raw) == 1 and len(raw[0]) > 1 and (";" in raw[0] or "\t" in raw[0]):
            separator = ";" if ";" in raw[0] else _("tabs")
            raise SpreadsheetError(
                _(
                    "The columns seem to be separated by %(sep)s, not commas. Save the file as "
                    "CSV with commas (in Excel: CSV UTF-8) and upload it again."
                )
                % {"sep": f"'{separator}'" if separator == ";" else separator}
            )
        problems = []
        seen = set()
        for number, header in enumerate(raw, start=1):
            if header == "":
                problems.append(_("column %(n)s has no header.") % {"n": number})
            elif header in seen:
                problems.append(_("column '%(h)s' appears twice.") % {"h": header})
            elif header not in known and header != ERROR_COLUMN:
                problems.append(_("unknown column '%(h)s'.") % {"h": header})
            seen.add(header)
        for column in self.required_columns(seen):
            problems.append(_("missing column '%(h)s'.") % {"h": column})
        if problems:
            raise SpreadsheetError(
                _(
                    "The column headers are wrong: %(problems)s The columns of %(table)s are: %(columns)s."
                )
                % {
                    "problems": " ".join(p[0].upper() + p[1:] for p in problems),
                    "table": self._meta.model._meta.verbose_name_plural,
                    "columns": ", ".join(self.field_by_column),
                }
            )
        keep = [i for i, h in enumerate(raw) if h != ERROR_COLUMN]
        headers = [raw[i] for i in keep]
        rows = []
        self.lines = []
        self.cell_problems = {}
        for line, data in enumerate(dataset, start=2):
            cells = []
            blank = True
            for i in keep:
                value = data[i]
                if isinstance(value, str):
                    if isinstance(value, FormulaCell):
                        self.cell_problems.setdefault(len(rows), {})[raw[i]] = _(
                            "the cell holds a formula (%(formula)s); type the value instead."
                        ) % {"formula": value}
                        value = ""
                    elif isinstance(value, NestedValue):
                        self.cell_problems.setdefault(len(rows), {})[raw[i]] = _(
                            "a single value is expected, not %(value)s."
                        ) % {"value": value[:50]}
                        value = ""
                    else:
                        value = normalise_text(value)
                        bad = UNSTORABLE_CHARACTERS.search(value)
                        if bad:
                            char = bad.group()
                            self.cell_problems.setdefault(len(rows), {})[raw[i]] = (
                                _("the text contains a NUL character.")
                                if char == "\x00"
                                else _(
                                    "the text contains the control character U+%(code)04X, "
                                    "which spreadsheets cannot hold."
                                )
                                % {"code": ord(char)}
                            )
                            value = ""
                elif value is None:
                    value = ""
                if value != "":
                    blank = False
                cells.append(value)
            if blank and len(rows) not in self.cell_problems:
                continue
            rows.append(tablib.core.Row(cells))
            self.lines.append(line)
        if not rows:
            raise SpreadsheetError(
                _("The file has column headers but only blank rows under them.")
            )
        dataset.wipe()
        dataset.headers = headers
        dataset._data = rows
        self.present_columns = set(headers)

    def required_columns(self, headers):
        return [c for c in self.key_columns if c not in headers]

    # --- the import ---------------------------------------------------------------------

    def get_result_class(self):
        return RegistryImportResult

    def get_row_result_class(self):
        return RegistryRowResult

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
        try:
            self.prepare(dataset)
        except SpreadsheetError as error:
            result = self.get_result_class()()
            result.sheet = self.sheet_name
            result.add_problem(None, "", str(error))
            result.append_base_error(Error(ImportRefused(result)))
            return result
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
        self.collect_problems(dataset, result)
        return result

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
        self.changed_fields = set()
        self.before = None
        self.m2m_values = {}
        self.row_changes = []
        self.row_notes = []
        self.row_line = None
        self.total_rows = 0

    def line_of(self, number):
        return self.lines[number - 1] if number and number <= len(self.lines) else number

    def collect_problems(self, dataset, result):
        """Turn every error django-import-export recorded into a (line, column, reason)."""
        failed = {}
        for invalid in result.invalid_rows:
            line = self.line_of(invalid.number)
            error_dict = getattr(invalid.error, "error_dict", None) or {
                NON_FIELD_ERRORS: invalid.error.error_list
            }
            for attribute, errors in error_dict.items():
                column = self.column_of_attribute.get(attribute, "")
                if attribute == NON_FIELD_ERRORS:
                    column = ""
                for error in errors:
                    result.add_problem(line, column, self.plain_message(error, column))
            failed[invalid.number] = invalid
        for error_row in result.error_rows:
            line = self.line_of(error_row.number)
            for error in error_row.errors:
                result.add_problem(line, "", self.plain_exception(error.error))
            failed[error_row.number] = error_row
        for row in result.rows:
            row.errors = []
        for error in result.base_errors:
            if not isinstance(error.error, ImportRefused):
                result.add_problem(None, "", self.plain_exception(error.error))
        result.problems.sort(key=lambda p: p.line or 0)
        if result.problems:
            result.base_errors = [Error(ImportRefused(result))]
            result.failed_dataset = self.failed_rows(dataset, result, failed)

    def plain_message(self, error, column):
        code = getattr(error, "code", None)
        params = getattr(error, "params", None) or {}
        if code in ("blank", "null", "required"):
            return _("%(column)s is required.") % {"column": column or _("a value")}
        if code == "max_length":
            return _("the text is %(length)s characters long; at most %(limit)s are allowed.") % {
                "length": params.get("show_value"),
                "limit": params.get("limit_value"),
            }
        message = error.messages[0] if hasattr(error, "messages") else str(error)
        return message[0].upper() + message[1:] if message else message

    def plain_exception(self, error):
        if isinstance(error, IntegrityError):
            return _("the database refused the rows (%(reason)s); nothing was written.") % {
                "reason": str(error).splitlines()[0]
            }
        if isinstance(error, ValidationError):
            return " ".join(error.messages)
        return _("the row could not be imported (%(error)s).") % {
            "error": str(error) or type(error).__name__
        }

    def failed_rows(self, dataset, result, failed):
        """The refused rows with an `error` column, to fix and upload again."""
        by_line = defaultdict(list)
        for problem in result.problems:
            if problem.line:
                text = (
                    f"{problem.column}: {problem.message}" if problem.column else problem.message
                )
                by_line[problem.line].append(text)
        failed_dataset = tablib.Dataset(headers=[*dataset.headers, ERROR_COLUMN])
        failed_dataset.title = self.sheet_name
        for number, row in enumerate(dataset, start=1):
            line = self.line_of(number)
            if line in by_line:
                failed_dataset.append(
                    [*(escape_formula(v) for v in row), " | ".join(by_line[line])]
                )
        return failed_dataset

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
        pass

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
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
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

    # --- validation ---------------------------------------------------------------------

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """
        Model validation without a query per row: foreign keys were resolved from the
        database by the widgets, and uniqueness is checked against the loaded records and
        the rest of the file, so full_clean() runs without its per-row lookups.
        """
        errors = dict(import_validation_errors or {})
        if errors:
            # The cells themselves are wrong: say that, not what follows from it.
            raise ValidationError(errors)
        exclude = {f.name for f in instance._meta.get_fields() if f.is_relation or f.many_to_many}
        try:
            self.complete_instance(instance)
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            self.check_instance(instance)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not errors:
            for name in self.unique_fields:
                value = getattr(instance, name)
                if value in (None, ""):
                    continue
                owners = self.unique_values.setdefault(name, {})
                owner, line = owners.get(value, (None, None))
                if owner is not None and owner is not instance:
                    where = _("line %(line)s") % {"line": line} if line else _("the registry")
                    errors[name] = [
                        ValidationError(
                            _("%(field)s '%(value)s' is already used by %(owner)s (%(where)s).")
                            % {"field": name, "value": value, "owner": owner, "where": where}
                        )
                    ]
                else:
                    owners[value] = (instance, line if owner is instance else self.row_line)
        if errors:
            raise ValidationError(errors)

    def complete_instance(self, instance):
        """Fill what a file may leave out for a new record (slug, network)."""
        if "slug" in self.unique_fields and not instance.slug:
            instance.slug = self.make_slug(instance)

    def make_slug(self, instance):
        base = slugify(str(instance))[:90].strip("-")
        if not base:
            digest = hashlib.sha1(str(instance).encode()).hexdigest()[:8]
            base = f"{instance._meta.model_name}-{digest}"
        taken = self.unique_values.setdefault("slug", {})
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def check_instance(self, instance):
        """Rules the database enforces with CHECK constraints, said in words before it does."""

    # --- writing ------------------------------------------------------------------------

    def before_save_instance(self, instance, row, **kwargs):
        self.authorize(instance, row, **kwargs)

    def authorize(self, instance, row, user=None, **kwargs):
        """
        May `user` write this row? Raise ValidationError to refuse it; the whole import is
        then refused like for any other row error. Every write path calls this, for every
        new or changed row (unchanged rows are never written). Allows all by default: the
        permission to import a table is checked before the file is read.
        """

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        if self.m2m_values:
            self.pending_m2m.append((instance, is_create, self.m2m_values))

    def get_bulk_update_fields(self):
        return sorted(
            name
            for name in self.changed_fields
            if not self._meta.model._meta.get_field(name).many_to_many
        )

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self.create_instances:
            return
        try:
            self.persist_new(list(self.create_instances), batch_size)
            self.flush_m2m()
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self.update_instances and not self.pending_m2m:
            return
        try:
            fields_ = self.get_bulk_update_fields()
            if self.update_instances and fields_:
                self.persist_changes(list(self.update_instances), fields_, batch_size)
            self.flush_m2m()
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    def persist_new(self, instances, batch_size=None):
        """Every INSERT of an import goes through here (change history hooks in here)."""
        self._meta.model.objects.bulk_create(instances, batch_size=batch_size)

    def persist_changes(self, instances, field_names, batch_size=None):
        """Every UPDATE of an import goes through here (change history hooks in here)."""
        model = self._meta.model
        if connections[router.db_for_write(model)].vendor == "postgresql":
            update_from_values(model, instances, field_names, batch_size or 1000)
        else:
            model.objects.bulk_update(instances, field_names, batch_size=batch_size)

    def flush_m2m(self):
        """Write the many-to-many values of the rows saved so far: two queries per field."""
        pending = [p for p in self.pending_m2m if p[0].pk is not None]
        if not pending:
            return
        self.pending_m2m = [p for p in self.pending_m2m if p[0].pk is None]
        model = self._meta.model
        for field in self.m2m_fields:
            m2m = model._meta.get_field(field.attribute)
            through = m2m.remote_field.through
            source = m2m.m2m_field_name() + "_id"
            target = m2m.m2m_reverse_field_name() + "_id"
            rows = [
                (i, values[field.attribute])
                for i, _new, values in pending
                if field.attribute in values
            ]
            existing = [
                i.pk for i, new, values in pending if not new and field.attribute in values
            ]
            if existing:
                through.objects.filter(**{f"{source}__in": existing}).delete()
            through.objects.bulk_create(
                [through(**{source: i.pk, target: o.pk}) for i, objs in rows for o in objs]
            )

    # --- export -------------------------------------------------------------------------

    def export_resource(self, instance, selected_fields=None, **kwargs):
        """A record's cells; text that a spreadsheet would run as a formula is escaped."""
        return [
            escape_formula(self.export_field(field, instance, **kwargs))
            for field in self.get_export_fields(selected_fields)
        ]

    def export_queryset(self, queryset):
        """The export queryset with what the columns need, in a fixed number of queries."""
        return queryset

    def filter_export(self, queryset, **kwargs):
        return self.export_queryset(queryset)
