"""A date field's `<input type="date">` that never writes an invalid value back."""

import datetime
import re

from django import forms

# ASCII digits only: \d would also match "２０１８" and "١٢".
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_iso_date(text):
    """True for a real YYYY-MM-DD date (not 2018-02-30, nor the week dates and compact
    forms that date.fromisoformat() also reads)."""
    if not ISO_DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


class IsoDateInput(forms.DateInput):
    """
    `<input type="date">`, whose value must be a valid YYYY-MM-DD date or empty (HTML):
    a bound form shows what was typed only when it is such a date, so `?as_of=bad` renders
    an empty field beside its message rather than `value="bad"`, which is invalid HTML.
    """

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str) and not is_iso_date(value):
            return None
        return super().format_value(value)


class IsoDateField(forms.DateField):
    """
    A date given exactly as YYYY-MM-DD in ASCII digits: "2018-7-8", "２０１８-０７-０８" and
    " 2018-07-08 " are invalid (DateField would strip the spaces and read the short form).
    """

    widget = IsoDateInput

    def to_python(self, value):
        if isinstance(value, str) and value and not is_iso_date(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
