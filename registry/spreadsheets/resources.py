"""
The spreadsheet import and export of every registry table: one django-import-export resource
per table, in the order a whole-registry import needs them.

Columns are the models' field names; rows are matched to records by natural key, never by id,
and foreign keys are written as natural keys (ISO codes, names, titles, slugs). The README's
"Spreadsheets: import and export" section documents every column. The machinery shared by all
resources (atomic imports, plain error messages, batched writes) is in engine/.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.fields import Field

from registry.models import Agreement, City, MemberState, Network, Organisation, Source

from .columns import (
    CONFIRMATION_COLUMNS,
    ConfirmationField,
    NamedResource,
    NetworkDefaultMixin,
    date_column,
    network_column,
    precision_column,
    slug_column,
    sources_column,
    text_column,
)
from .engine.resource import RegistryResource
from .export_reader import RowExportMixin
from .officers import OfficerResource
from .widgets import (
    ChoiceWidget,
    CodeWidget,
    DecimalWidget,
    MemberStateWidget,
    NameListWidget,
    TextWidget,
    name_key,
)


class SourceResource(NamedResource):
    title = text_column("title")
    slug = slug_column()
    publisher = text_column("publisher")
    published_on = date_column("published_on")
    url = text_column("url")
    retrieved_on = date_column("retrieved_on")
    note = text_column("note")

    key_columns = ("title",)
    sheet_name = "sources"
    url_paths = ("slug",)

    class Meta:
        model = Source
        fields = ("title", "slug", "publisher", "published_on", "url", "retrieved_on", "note")


class OrganisationResource(NamedResource):
    name = text_column("name")
    slug = slug_column()
    abbreviation = text_column("abbreviation")
    url = text_column("url")
    last_verified = date_column("last_verified")
    sources = sources_column()

    key_columns = ("name",)
    sheet_name = "organisations"

    class Meta:
        model = Organisation
        fields = ("name", "slug", "abbreviation", "url", "last_verified", "sources")

    def export_queryset(self, queryset):
        return queryset.prefetch_related("sources")


class NetworkResource(NamedResource):
    slug = Field(attribute="slug", column_name="slug", widget=TextWidget())
    name = text_column("name")
    acronym = text_column("acronym")
    description = text_column("description")
    launch_date = date_column("launch_date")
    launch_date_precision = precision_column("launch_date_precision")
    launch_event = text_column("launch_event")
    inaugural_meeting_date = date_column("inaugural_meeting_date")
    inaugural_meeting_summary = text_column("inaugural_meeting_summary")
    last_verified = date_column("last_verified")
    sources = sources_column()

    key_columns = ("slug",)
    sheet_name = "networks"

    class Meta:
        model = Network
        fields = (
            "slug",
            "name",
            "acronym",
            "description",
            "launch_date",
            "launch_date_precision",
            "launch_event",
            "inaugural_meeting_date",
            "inaugural_meeting_summary",
            "last_verified",
            "sources",
        )

    def export_queryset(self, queryset):
        return queryset.prefetch_related("sources")


class MemberStateResource(NetworkDefaultMixin, RowExportMixin, RegistryResource):
    code = Field(attribute="code", column_name="code", widget=CodeWidget())
    name = text_column("name")
    code_alpha3 = Field(attribute="code_alpha3", column_name="code_alpha3", widget=CodeWidget())
    slug = slug_column()
    network = network_column()
    last_verified = date_column("last_verified")
    sources = sources_column()
    confirmed_on = ConfirmationField(MemberState, "confirmed_on")
    confirmed_in_round = ConfirmationField(MemberState, "confirmed_in_round")
    not_confirmed_in_round = ConfirmationField(MemberState, "not_confirmed_in_round")

    key_columns = ("code",)
    unique_fields = ("slug", "name", "code_alpha3")
    sheet_name = "member_states"
    url_paths = ("slug",)

    class Meta:
        model = MemberState
        fields = (
            "code",
            "name",
            "code_alpha3",
            "slug",
            "network",
            "last_verified",
            "sources",
            *CONFIRMATION_COLUMNS,
        )

    def row_key(self, row):
        return row.get("code", "").upper() or None

    def instance_key(self, instance):
        return instance.code

    def check_instance(self, instance):
        errors = {}
        if not re.fullmatch(r"[A-Z]{2}", instance.code):
            errors["code"] = _("'%(code)s' is not an ISO 3166-1 alpha-2 code (two letters).") % {
                "code": instance.code
            }
        if not re.fullmatch(r"[A-Z]{3}", instance.code_alpha3):
            errors["code_alpha3"] = _(
                "'%(code)s' is not an ISO 3166-1 alpha-3 code (three letters)."
            ) % {"code": instance.code_alpha3}
        if errors:
            raise ValidationError(errors)

    def export_queryset(self, queryset):
        return queryset.select_related("network").prefetch_related("sources")


class CityResource(NetworkDefaultMixin, RowExportMixin, RegistryResource):
    name = text_column("name")
    member_state = Field(
        attribute="member_state", column_name="member_state", widget=MemberStateWidget()
    )
    latitude = Field(
        attribute="latitude",
        column_name="latitude",
        widget=DecimalWidget(-90, 90, "latitude", places=5),
    )
    longitude = Field(
        attribute="longitude",
        column_name="longitude",
        widget=DecimalWidget(-180, 180, "longitude", places=5),
    )
    slug = slug_column()
    pilot_since = date_column("pilot_since")
    pilot_since_precision = precision_column("pilot_since_precision")
    pilot_until = date_column("pilot_until")
    action_plan_url = text_column("action_plan_url")
    network = network_column()
    last_verified = date_column("last_verified")
    sources = sources_column()
    confirmed_on = ConfirmationField(City, "confirmed_on")
    confirmed_in_round = ConfirmationField(City, "confirmed_in_round")
    not_confirmed_in_round = ConfirmationField(City, "not_confirmed_in_round")

    key_columns = ("name", "member_state")
    sheet_name = "cities"
    url_paths = ("slug",)

    class Meta:
        model = City
        fields = (
            "name",
            "member_state",
            "latitude",
            "longitude",
            "slug",
            "pilot_since",
            "pilot_since_precision",
            "pilot_until",
            "action_plan_url",
            "network",
            "last_verified",
            "sources",
            *CONFIRMATION_COLUMNS,
        )

    def row_key(self, row):
        if not row.get("name"):
            return None
        try:
            state = self.fields["member_state"].widget.clean(row.get("member_state"))
        except ValueError:
            return None
        return (name_key(row["name"]), state.pk) if state else None

    def instance_key(self, instance):
        # NFC and case-folded, so that "Hà Nội" typed either way is the same city.
        return (name_key(instance.name), instance.member_state_id)

    def describe_key(self, row):
        return f"{row.get('name')} ({row.get('member_state', '').upper()})"

    def attach_related(self, instance):
        instance.member_state = self.fields["member_state"].widget.by_pk(instance.member_state_id)

    def check_instance(self, instance):
        if (
            instance.pilot_until
            and instance.pilot_since
            and instance.pilot_until < instance.pilot_since
        ):
            raise ValidationError(
                {"pilot_until": _("the city cannot leave the network before it joined.")}
            )
        if (instance.latitude is None) != (instance.longitude is None):
            raise ValidationError(
                {
                    "latitude" if instance.latitude is None else "longitude": _(
                        "give both latitude and longitude, or neither."
                    )
                }
            )

    def export_queryset(self, queryset):
        return queryset.select_related("member_state", "network").prefetch_related("sources")


class AgreementResource(NetworkDefaultMixin, NamedResource):
    title = text_column("title")
    slug = slug_column()
    kind = Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(Agreement.Kind, default=Agreement.Kind.AGREEMENT),
    )
    date = date_column("date")
    date_precision = precision_column("date_precision")
    parties = Field(
        attribute="parties", column_name="parties", widget=NameListWidget(Organisation)
    )
    event = text_column("event")
    summary = text_column("summary")
    amount = Field(attribute="amount", column_name="amount", widget=DecimalWidget())
    currency = Field(attribute="currency", column_name="currency", widget=CodeWidget())
    network = network_column()
    last_verified = date_column("last_verified")
    sources = sources_column()

    key_columns = ("title",)
    sheet_name = "agreements"
    url_paths = ("slug",)

    class Meta:
        model = Agreement
        fields = (
            "title",
            "slug",
            "kind",
            "date",
            "date_precision",
            "parties",
            "event",
            "summary",
            "amount",
            "currency",
            "network",
            "last_verified",
            "sources",
        )

    def check_instance(self, instance):
        if instance.amount is not None and instance.amount < 0:
            raise ValidationError({"amount": _("the amount cannot be negative.")})
        if instance.amount is not None and not re.fullmatch(r"[A-Z]{3}", instance.currency):
            raise ValidationError(
                {"currency": _("an amount needs an ISO 4217 currency code, e.g. AUD.")}
            )
        if instance.amount is None and instance.currency:
            raise ValidationError({"amount": _("a currency is given without an amount.")})
        if "parties" in self.m2m_values:
            parties = self.m2m_values["parties"]
        else:
            parties = list(instance.parties.all()) if instance.pk else []
        try:
            instance.clean_parties(parties)
        except ValidationError as error:
            raise ValidationError({"parties": error.messages}) from None

    def export_queryset(self, queryset):
        return queryset.select_related("network").prefetch_related("parties", "sources")


RESOURCES = [
    SourceResource,
    OrganisationResource,
    NetworkResource,
    MemberStateResource,
    CityResource,
    OfficerResource,
    AgreementResource,
]
RESOURCE_FOR_MODEL = {resource._meta.model: resource for resource in RESOURCES}


def export_rows(queryset, resource_class=None, columns=None, url_for=None):
    """
    (headers, rows) for a queryset, rows as an iterator of cell lists read from one query
    (export_reader.py), whatever the number of rows. Cells hold native values (text,
    Decimal, date) as stored (the CSV writer escapes formula-looking text). `url_for(obj)`,
    when given, adds a last column "registry_url" (the public downloads' canonical address of
    each record), `obj` being an unsaved instance with what its get_absolute_url() reads.
    """
    resource = (resource_class or RESOURCE_FOR_MODEL[queryset.model])()
    reader = resource.export_reader(columns, with_url=url_for is not None)
    rows = reader.rows(queryset, url_for, chunk_size=resource.get_chunk_size())
    if url_for is None:
        return reader.headers, rows
    return [*reader.headers, "registry_url"], rows
