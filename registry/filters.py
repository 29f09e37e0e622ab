"""
Filters of the public lists (django-filter), and the accent-insensitive search they share.

Every filter validates its value: an unknown member state code, `year=abc` or an overlong
search is a form error, which the views answer with HTTP 400 and the message next to the field.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import Contains
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import caching
from .folding import Fold, fold
from .models import Agreement, City, MemberState, Officer, Organisation, Source

# Search --------------------------------------------------------------------------------------


def search(queryset, fields, text, extra=()):
    """
    Rows where every word of `text` occurs in one of `fields`, whatever its case or accents.

    `extra` holds callables that take a folded word and return a condition of their own, for
    matches through related rows (e.g. an agreement's parties).
    """
    for word in fold(text).split():
        condition = Q()
        for field in fields:
            condition |= Contains(Fold(field), word)
        for make_condition in extra:
            condition |= make_condition(word)
        queryset = queryset.filter(condition)
    return queryset


# Fields ---------------------------------------------------------------------------------------


class LongSelect(forms.Select):
    """
    A <select> with thousands of options (the cities of a large network), written out in one
    pass: Django renders each option through a template, about 0.1 ms an option, which made
    the filter form most of a list page's time at 2,000 cities.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(key), mark_safe(" selected") if str(key) in selected else "", label)
                for key, label in self.choices
            ),
        )
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(attrs), options)


class KnownChoicesField(forms.ModelChoiceField):
    """
    A ModelChoiceField that can take its choices from a list read beforehand (use_known)
    instead of querying its queryset to render them and again to validate the value. A value
    then cleans to the record's primary key, which the filters' lookups take as well.
    """

    def load_known(self):
        """[(value, primary key, label)] of every choice: what use_known() takes."""
        return [
            (str(self.prepare_value(obj)), obj.pk, self.label_from_instance(obj))
            for obj in self.queryset
        ]

    def use_known(self, known):
        self.known_keys = {value: pk for value, pk, _label in known}
        choices = [(value, label) for value, _pk, label in known]
        self.choices = choices if self.empty_label is None else [("", self.empty_label), *choices]

    def to_python(self, value):
        if not hasattr(self, "known_keys") or value in self.empty_values:
            return super().to_python(value)
        try:
            return self.known_keys[str(value)]
        except KeyError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class MemberStateChoiceField(KnownChoicesField):
    """
    A member state by its ISO code, in any case ("th" finds Thailand): RegistryFilterSet
    upper-cases the code in the data, which also selects the right option.
    """

    default_error_messages = {
        "invalid_choice": _("There is no member state with the code “%(value)s”."),
    }

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class CityChoiceField(KnownChoicesField):
    widget = LongSelect
    default_error_messages = {
        "invalid_choice": _("There is no city “%(value)s”."),
    }

    def label_from_instance(self, obj):
        return f"{obj.name}, {obj.member_state.name}"


class OrganisationChoiceField(KnownChoicesField):
    default_error_messages = {
        "invalid_choice": _("There is no party “%(value)s”."),
    }


class MemberStateCodeFilter(django_filters.ModelChoiceFilter):
    field_class = MemberStateChoiceField


class CityChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CityChoiceField


class PartyFilter(django_filters.ModelChoiceFilter):
    field_class = OrganisationChoiceField


class YearField(forms.IntegerField):
    """A year in ASCII digits: IntegerField would also read "２０１８" and " 2018"."""

    def to_python(self, value):
        if isinstance(value, str) and value and not (value.isascii() and value.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


# Filter sets -----------------------------------------------------------------------------------

SEARCH_HELP = _("Any words, in any case, with or without accents.")


class RegistryFilterSet(django_filters.FilterSet):
    """The search box every list has; subclasses name the fields it looks in."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=100,
        help_text=SEARCH_HELP,
    )
    search_fields = ()

    def __init__(self, data=None, *args, as_of=None, **kwargs):
        self.as_of = as_of
        if data and data.get("member_state"):
            # Codes match in any case; upper-casing the data also selects the right option.
            data = data.copy()
            data["member_state"] = data["member_state"].strip().upper()
        super().__init__(data, *args, **kwargs)
        # The member states, cities or parties offered, read once per data version.
        self.use_choices(caching.per_version(f"choices:{type(self).__name__}", self.load_choices))

    def filter_search(self, queryset, name, value):
        return search(queryset, self.search_fields, value, self.search_extra())

    def load_choices(self):
        """The choices of the filters over other tables (see KnownChoicesField), by filter."""
        return {
            name: field.load_known()
            for name, field in self.form.fields.items()
            if isinstance(field, KnownChoicesField)
        }

    def use_choices(self, choices):
        for name, known in choices.items():
            self.form.fields[name].use_known(known)

    def search_extra(self):
        return ()


def member_state_filter(**kwargs):
    return MemberStateCodeFilter(
        label=_("Member state"),
        queryset=MemberState.objects.all(),
        to_field_name="code",
        empty_label=_("All member states"),
        **kwargs,
    )


class MemberStateFilter(RegistryFilterSet):
    search_fields = ("name", "code", "code_alpha3")

    class Meta:
        model = MemberState
        fields = ["q"]


class CityFilter(RegistryFilterSet):
    member_state = member_state_filter()
    search_fields = ("name", "member_state__name")

    class Meta:
        model = City
        fields = ["member_state", "q"]


class OfficerFilter(RegistryFilterSet):
    CURRENT_ALL = "all"

    member_state = member_state_filter(method="filter_member_state")
    city = CityChoiceFilter(
        label=_("City"),
        queryset=City.objects.with_state(),
        to_field_name="slug",
        empty_label=_("All cities"),
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Officer.Role.choices, empty_label=_("All roles")
    )
    current = django_filters.ChoiceFilter(
        label=_("Tenures"),
        choices=[(CURRENT_ALL, _("Current and past holders"))],
        empty_label=_("Current holders only"),
        method="filter_current",
    )

    class Meta:
        model = Officer
        fields = ["member_state", "city", "role", "current", "q"]

    def filter_search(self, queryset, name, value):
        # The name, the designation, and the names of the city and member state of the post.
        return queryset.search(value)

    def filter_member_state(self, queryset, name, value):
        return queryset.of_member_states([value])

    def filter_current(self, queryset, name, value):
        # Only reached for "all"; current holders are the default (filter_queryset).
        return queryset

    def filter_queryset(self, queryset):
        all_tenures = self.form.cleaned_data.get("current") == self.CURRENT_ALL
        if self.as_of:
            queryset = (
                queryset.started_by(self.as_of) if all_tenures else queryset.in_post_on(self.as_of)
            )
        elif not all_tenures:
            queryset = queryset.current()
        return super().filter_queryset(queryset)


class AgreementFilter(RegistryFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Agreement.Kind.choices, empty_label=_("All kinds")
    )
    year = YearFilter(
        label=_("Year"),
        field_name="date",
        lookup_expr="year",
        min_value=1900,
        max_value=2999,
    )
    party = PartyFilter(
        label=_("Party"),
        field_name="parties",
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        empty_label=_("All parties"),
    )
    search_fields = ("title", "event", "summary")

    class Meta:
        model = Agreement
        fields = ["kind", "year", "party", "q"]

    def search_extra(self):
        through = Agreement.parties.through

        def party_matches(word):
            parties = through.objects.filter(agreement=OuterRef("pk")).filter(
                Contains(Fold("organisation__name"), word)
                | Contains(Fold("organisation__abbreviation"), word)
            )
            return Exists(parties)

        return (party_matches,)


class SourceFilter(RegistryFilterSet):
    search_fields = ("title", "publisher", "note")

    class Meta:
        model = Source
        fields = ["q"]
