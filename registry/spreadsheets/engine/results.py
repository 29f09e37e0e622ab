"""
What an import returns: every problem as (line, column, plain reason), and the row results the
admin's preview and the change log read.
"""

from django.utils.translation import gettext as _
from import_export.results import Result, RowResult


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
