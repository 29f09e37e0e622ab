"""
What an import reports: every error django-import-export recorded turned into a (line, column,
plain reason), and the refused rows as a file to fix and upload again.
"""

from collections import defaultdict

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from import_export.results import Error

from ..errors import ImportRefused
from .prepare import ERROR_COLUMN


class ProblemReports:
    """RegistryResource's reporting of problems; reads the line map prepare() builds."""

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
                failed_dataset.append([*row, " | ".join(by_line[line])])
        return failed_dataset
