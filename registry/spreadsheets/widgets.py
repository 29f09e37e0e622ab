"""
Widgets that read the staff's vocabulary: plain text, YYYY-MM-DD dates, numbers, TextChoices by
code or label, and related records by natural key (ISO codes, names) from one query per related
table per file.

Each raises ValueError with a plain sentence; django-import-export files it under the column.
render() returns native values (str, Decimal, date, None); the formats write them.
"""

import contextlib
import datetime
import decimal
import unicodedata
from collections import defaultdict

from django.utils.translation import gettext as _
from import_export import widgets

from registry.models import City, MemberState, Officer

from .writers import text_cell


def display(value):
    if value is None or value == "":
        return _("(blank)")
    if isinstance(value, decimal.Decimal):
        value = DecimalWidget().render(value)
    return text_cell(value)


def name_key(value):
    return unicodedata.normalize("NFC", value.strip()).casefold()


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
        super().__init__(model or MemberState, field)

    def key(self, value):
        return str(value).strip().upper()

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        # Every officer row names a state, some twice (post and key): once per code per file.
        look_up = super().clean
        return self.remembered(value, lambda: look_up(value))

    def not_found(self, value):
        return _("unknown member state '%(value)s' (use an ISO 3166-1 alpha-2 code, e.g. TH).") % {
            "value": value
        }


class CityWidget(CachedModelWidget):
    """A city by name; the row's member_state column tells same-named cities apart."""

    def __init__(self, model=None, field="name", state_widget=None, **kwargs):
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


class CodeWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return super().clean(value).upper()


class RoleWidget(ChoiceWidget):
    """Blank means the post the row names: a city's CSCO, or else a National Representative."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            if (row or {}).get("city") not in (None, ""):
                return Officer.Role.CSCO
            return Officer.Role.NATIONAL_REPRESENTATIVE
        return super().clean(value, row, **kwargs)
