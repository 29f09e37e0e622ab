"""
The building blocks of the registry's resources: column declarations (a model field, its column
name and the widget that reads it), the field of an officer's post state, and the two bases
shared by several tables (name-keyed tables, and records of the network).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.fields import Field

from registry.models import DatePrecision, Network, Source
from registry.models.rounds import confirmation_annotations

from .engine.resource import RegistryResource
from .export_reader import RowExportMixin
from .widgets import (
    CachedModelWidget,
    ChoiceWidget,
    DateWidget,
    NameListWidget,
    SlugWidget,
    TextWidget,
    name_key,
)


def text_column(column, **kwargs):
    return Field(attribute=column, column_name=column, widget=TextWidget(), **kwargs)


def date_column(column):
    return Field(attribute=column, column_name=column, widget=DateWidget())


def precision_column(column):
    return Field(
        attribute=column,
        column_name=column,
        widget=ChoiceWidget(DatePrecision, default=DatePrecision.DAY),
    )


def slug_column():
    # A blank cell keeps the record's slug (saves_null_values=False); a new record gets one.
    return Field(
        attribute="slug", column_name="slug", widget=SlugWidget(), saves_null_values=False
    )


def sources_column():
    return Field(
        attribute="sources", column_name="sources", widget=NameListWidget(Source, "title")
    )


def network_column():
    # Blank or absent: the registry's only network (see complete_instance).
    return Field(
        attribute="network",
        column_name="network",
        widget=CachedModelWidget(Network, "slug"),
        saves_null_values=False,
    )


class NetworkDefaultMixin:
    """A record of the network: blank network cells mean the only network there is."""

    def complete_instance(self, instance):
        super().complete_instance(instance)
        if instance.network_id is None:
            networks = self.fields["network"].widget.all()
            if len(networks) != 1:
                raise ValidationError(
                    {"network": _("network is required: give the slug of the record's network.")}
                )
            instance.network = networks[0]


class NamedResource(RowExportMixin, RegistryResource):
    """A table whose natural key is one name-like column, matched whatever its case."""

    def row_key(self, row):
        value = row.get(self.key_columns[0])
        return name_key(value) if value else None

    def instance_key(self, instance):
        return name_key(getattr(instance, self.key_columns[0]))


class PostStateField(Field):
    """
    member_state of an officer row: for a CSCO, which state the city is in (it tells
    same-named cities apart and is not stored); for a National Representative, the post.
    """

    def save(self, instance, row, is_m2m=False, **kwargs):
        if row.get("city") not in (None, ""):
            self.clean(row)  # an unknown code is still an error
            instance.member_state = None
        else:
            super().save(instance, row, is_m2m, **kwargs)

    def get_value(self, instance):
        return instance.city.member_state if instance.city_id else instance.member_state

    # For exports read from values (export_reader.py): both codes, the city's first.
    value_paths = ("city__member_state__code", "member_state__code")

    def render_values(self, city_state, own_state):
        if city_state is not None:
            return city_state
        return "" if own_state is None else own_state


class ConfirmationField(Field):
    """
    Export only (readonly: an import ignores the column): what the confirmation rounds found
    of a member state, city or officer, as the pages say it (ConfirmableQuerySet
    .with_confirmation()). Its export reads the same expression (`value_annotations`),
    worked out for the day of the export.
    """

    # column name -> (the with_confirmation() annotation, what the column means)
    COLUMNS = {
        "confirmed_on": (
            "confirmed_at",
            "The day the secretariat accepted the member state's confirmation or correction "
            "of the record in a confirmation round (the latest); export only, ignored on import.",
        ),
        "confirmed_in_round": (
            "confirmed_in",
            "The confirmation round of confirmed_on; export only, ignored on import.",
        ),
        "not_confirmed_in_round": (
            "unconfirmed_in",
            "The latest confirmation round past its due date that covered the record and did "
            "not confirm it, when the record was not verified since; export only, ignored on "
            "import.",
        ),
    }

    def __init__(self, model, column):
        self.model = model
        self.annotation, self.meaning = self.COLUMNS[column]
        self.value_paths = (f"export_{column}",)
        is_date = column == "confirmed_on"
        super().__init__(
            attribute=self.annotation,
            column_name=column,
            widget=DateWidget() if is_date else TextWidget(),
            readonly=True,
        )

    @property
    def value_annotations(self):
        expressions = confirmation_annotations(self.model)
        return {self.value_paths[0]: expressions[self.annotation]}

    def render_values(self, value):
        if isinstance(value, datetime.datetime):
            value = timezone.localdate(value)  # accepted at: the day, where the registry is
        return self.widget.render(value)

    def get_value(self, instance):
        return getattr(instance, self.annotation, None)


# The confirmation columns, last in the files of the records that rounds confirm.
CONFIRMATION_COLUMNS = tuple(ConfirmationField.COLUMNS)
