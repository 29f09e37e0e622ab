"""
Spreadsheet import and export of every registry table (django-import-export resources).

Columns are the models' field names; rows are matched to records by natural key, never by id,
and foreign keys are written as natural keys (ISO codes, names, titles, slugs). The README's
"Spreadsheets: import and export" section documents every column. The machinery shared by all
resources (atomic imports, plain error messages, batched writes) is in registry/imports/.
"""

import bisect
import datetime
import re
import tempfile
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from import_export.fields import Field

from .exports import RowExportMixin
from .imports import (
    KEY_CHUNK,
    CachedModelWidget,
    ChoiceWidget,
    CityWidget,
    DateWidget,
    DecimalWidget,
    MemberStateWidget,
    NameListWidget,
    RegistryResource,
    SlugWidget,
    TextWidget,
    name_key,
)
from .models import (
    Agreement,
    City,
    DatePrecision,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
)
from .spreadsheets import (
    SpreadsheetError,
    csv_lines,
    format_for_name,
    json_chunks,
    read_workbook,
    write_ods,
    write_xlsx,
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


class CodeWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return super().clean(value).upper()


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


# Resources, in the order a whole-registry import needs them --------------------------------


class NamedResource(RowExportMixin, RegistryResource):
    """A table whose natural key is one name-like column, matched whatever its case."""

    def row_key(self, row):
        value = row.get(self.key_columns[0])
        return name_key(value) if value else None

    def instance_key(self, instance):
        return name_key(getattr(instance, self.key_columns[0]))


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

    key_columns = ("code",)
    unique_fields = ("slug", "name", "code_alpha3")
    sheet_name = "member_states"
    url_paths = ("slug",)

    class Meta:
        model = MemberState
        fields = ("code", "name", "code_alpha3", "slug", "network", "last_verified", "sources")

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
    action_plan_url = text_column("action_plan_url")
    network = network_column()
    last_verified = date_column("last_verified")
    sources = sources_column()

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
            "action_plan_url",
            "network",
            "last_verified",
            "sources",
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


class RoleWidget(ChoiceWidget):
    """Blank means the post the row names: a city's CSCO, or else a National Representative."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            if (row or {}).get("city") not in (None, ""):
                return Officer.Role.CSCO
            return Officer.Role.NATIONAL_REPRESENTATIVE
        return super().clean(value, row, **kwargs)


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

    # For exports read from values (registry/exports.py): both codes, the city's first.
    value_paths = ("city__member_state__code", "member_state__code")

    def render_values(self, city_state, own_state):
        if city_state is not None:
            return city_state
        return "" if own_state is None else own_state


class OfficerResource(RowExportMixin, RegistryResource):
    name = text_column("name")
    designation = text_column("designation")
    city = Field(attribute="city", column_name="city", widget=CityWidget())
    member_state = PostStateField(
        attribute="member_state", column_name="member_state", widget=MemberStateWidget()
    )
    role = Field(attribute="role", column_name="role", widget=RoleWidget(Officer.Role))
    start_date = date_column("start_date")
    end_date = date_column("end_date")
    last_verified = date_column("last_verified")
    sources = sources_column()

    key_columns = ("name",)
    unique_fields = ()
    sheet_name = "officers"
    url_paths = ("city__id", "city__slug", "member_state__id", "member_state__slug")

    class Meta:
        model = Officer
        fields = (
            "name",
            "designation",
            "city",
            "member_state",
            "role",
            "start_date",
            "end_date",
            "last_verified",
            "sources",
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # One member-state query per file, shared by both columns that name states.
        self.fields["city"].widget.state_widget = self.fields["member_state"].widget

    def required_columns(self, headers):
        missing = super().required_columns(headers)
        if "city" not in headers and "member_state" not in headers:
            missing.append("city")
        return missing

    def reset_import_state(self):
        super().reset_import_state()
        self.new_cscos = []
        self.posts = {}

    def post_of(self, row):
        """("city", id) or ("state", id): the post a row names, once per pair of cells a file
        holds (every row is asked twice, for the records to load and for its key)."""
        cells = (row.get("city"), row.get("member_state"))
        if cells not in self.posts:
            self.posts[cells] = self.find_post(*cells)
        return self.posts[cells]

    def find_post(self, city, state):
        try:
            if city not in (None, ""):
                return ("city", self.fields["city"].widget.clean(city, {"member_state": state}).pk)
            if state not in (None, ""):
                return ("state", self.fields["member_state"].widget.clean(state).pk)
        except ValueError:
            return None
        return None

    def row_key(self, row):
        if not row.get("name"):
            return None
        try:
            start = self.fields["start_date"].widget.clean(row.get("start_date"))
        except ValueError:
            return None
        post = self.post_of(row)
        return None if post is None else (name_key(row["name"]), start, post)

    def instance_key(self, instance):
        post = (
            ("city", instance.city_id) if instance.city_id else ("state", instance.member_state_id)
        )
        return (name_key(instance.name), instance.start_date, post)

    def describe_key(self, row):
        post = row.get("city") or row.get("member_state")
        start = row.get("start_date") or _("no start date")
        return f"{row.get('name')} ({post}, {start})"

    def load_existing(self, dataset):
        # The officer table is the big one: load only the tenures of the posts the file names.
        headers = dataset.headers
        cities = dataset["city"] if "city" in headers else [""] * len(dataset)
        states = dataset["member_state"] if "member_state" in headers else [""] * len(dataset)
        posts = {
            self.post_of({"city": c, "member_state": s})
            for c, s in zip(cities, states, strict=True)
        }
        prefetch = ["sources"] if "sources" in self.present_columns else []
        instances = {}
        for kind, field in (("city", "city_id"), ("state", "member_state_id")):
            ids = sorted(pk for post in posts if post and post[0] == kind for pk in [post[1]])
            for i in range(0, len(ids), KEY_CHUNK):
                queryset = Officer.objects.filter(**{f"{field}__in": ids[i : i + KEY_CHUNK]})
                for instance in queryset.prefetch_related(*prefetch):
                    self.attach_related(instance)
                    instances[self.instance_key(instance)] = instance
        return instances

    def attach_related(self, instance):
        if instance.city_id:
            instance.city = self.fields["city"].widget.by_pk(instance.city_id)
        else:
            instance.member_state = self.fields["member_state"].widget.by_pk(
                instance.member_state_id
            )

    def find_instance(self, instances, key, row):
        instance = instances.get(key)
        name, start, post = key
        if instance is None and start is not None:
            # A tenure first recorded without dates (as the founding data is) gets its
            # start date filled in rather than a second, dated copy.
            undated = (name, None, post)
            if undated in instances and undated not in self.seen_keys:
                self.seen_keys[undated] = self.row_line
                return instances[undated]
        return instance

    def complete_instance(self, instance):
        super().complete_instance(instance)
        # Imports write in batches, without Officer.save(): the search text is filled here,
        # on every row validated for writing.
        instance.search_text = instance.build_search_text()

    def get_bulk_update_fields(self):
        fields = super().get_bulk_update_fields()
        if {"name", "designation"} & set(fields):
            fields = sorted({*fields, "search_text"})
        return fields

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        if (
            is_create
            and instance.role == Officer.Role.CSCO
            and instance.start_date
            and not instance.end_date
        ):
            self.new_cscos.append((instance, self.row_line))

    def after_import(self, dataset, result, **kwargs):
        """
        A new CSCO with a start date ends the open tenures of the city's previous CSCOs the
        day before, instead of leaving two current CSCOs; the preview says so on the row.
        """
        super().after_import(dataset, result, **kwargs)
        if not self.new_cscos or result.has_errors() or result.has_validation_errors():
            return
        city_ids = sorted({officer.city_id for officer, _line in self.new_cscos})
        open_tenures = defaultdict(list)
        for i in range(0, len(city_ids), KEY_CHUNK):
            for officer in Officer.objects.filter(
                city_id__in=city_ids[i : i + KEY_CHUNK],
                role=Officer.Role.CSCO,
                end_date__isnull=True,
            ).select_related("city"):
                open_tenures[officer.city_id].append(officer)
        # Each open tenure ends the day before the first later start of someone else's new
        # tenure in the same city: sorted starts and a binary search, not a pairwise loop.
        new_by_city = defaultdict(list)
        for new, line in self.new_cscos:
            new_by_city[new.city_id].append((new.start_date, line, new))
        ends = {}
        replaced = defaultdict(list)
        for city_id, news in new_by_city.items():
            news.sort(key=lambda item: (item[0], item[1]))
            starts = [start for start, _line, _new in news]
            for old in open_tenures[city_id]:
                i = bisect.bisect_right(starts, old.start_date) if old.start_date else 0
                while i < len(news) and (news[i][2].pk == old.pk or news[i][2].name == old.name):
                    i += 1
                if i < len(news):
                    start, line, new = news[i]
                    ends[old.pk] = (old, start - datetime.timedelta(days=1))
                    replaced[line].append(old.name)
        if not ends:
            return
        rows_by_line = {row.line: row for row in result.rows}
        for new, line in self.new_cscos:
            if replaced[line] and line in rows_by_line:
                rows_by_line[line].notes.append(
                    _("replaces %(names)s as CSCO of %(city)s from %(date)s")
                    % {
                        "names": _(" and ").join(sorted(replaced[line])),
                        "city": new.city.name,
                        "date": new.start_date.isoformat(),
                    }
                )
        ended = []
        for old, end in ends.values():
            old.end_date = end
            ended.append(old)
            result.notes.append(
                _("%(name)s's tenure as CSCO of %(city)s ends on %(date)s.")
                % {"name": old.name, "city": old.city.name, "date": end.isoformat()}
            )
        self.persist_changes(ended, ["end_date"])
        self.record_m2m_history()

    def export_queryset(self, queryset):
        return queryset.select_related("city__member_state", "member_state").prefetch_related(
            "sources"
        )


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


# Export -----------------------------------------------------------------------------------


def export_rows(queryset, resource_class=None, columns=None, url_for=None):
    """
    (headers, rows) for a queryset, rows as an iterator of cell lists read from one query
    (registry/exports.py), whatever the number of rows. Cells hold native values (text,
    Decimal, date) with formula characters escaped, as every export writes them. `url_for(obj)`,
    when given, adds a last column "registry_url" (the public downloads' canonical address of
    each record), `obj` being an unsaved instance with what its get_absolute_url() reads.
    """
    resource = (resource_class or RESOURCE_FOR_MODEL[queryset.model])()
    reader = resource.export_reader(columns, with_url=url_for is not None)
    rows = reader.rows(queryset, url_for, chunk_size=resource.get_chunk_size())
    if url_for is None:
        return reader.headers, rows
    return [*reader.headers, "registry_url"], rows


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}

# A workbook download is built in a temporary file: in memory up to this size, then on disk,
# so a large one does not sit in a worker's memory while it is sent.
SPOOL_BYTES = 256 * 1024


def sheet_title(queryset, resource_class):
    return (resource_class or RESOURCE_FOR_MODEL[queryset.model]).sheet_name


def export_bytes(queryset, file_format="csv", resource_class=None, columns=None):
    """A queryset as a file of the given format ("csv", "json", "xlsx" or "ods"), as bytes."""
    name = format_for_name(file_format)().get_extension()
    headers, rows = export_rows(queryset, resource_class, columns)
    if name == "csv":
        return "".join(csv_lines(headers, rows)).encode("utf-8")
    if name == "json":
        return "".join(json_chunks(headers, rows)).encode("utf-8")
    writer = write_xlsx if name == "xlsx" else write_ods
    return writer([(sheet_title(queryset, resource_class), headers, rows)])


def export_response(
    queryset, file_format="csv", resource_class=None, filename=None, columns=None, url_for=None
):
    """
    A download of a queryset. CSV and JSON stream as they are read, so a large table never sits
    in memory; XLSX is written row by row into a temporary file (a zip archive cannot be sent
    before it is complete) and sent from there; ODS is built whole. `url_for` adds a
    "registry_url" column to JSON only, so CSV and XLSX downloads import back unchanged.
    """
    name = format_for_name(file_format)().get_extension()
    filename = filename or f"{queryset.model._meta.model_name}.{name}"
    if name in ("csv", "json"):
        url_for = url_for if name == "json" else None
        headers, rows = export_rows(queryset, resource_class, columns, url_for=url_for)
        chunks = csv_lines(headers, rows) if name == "csv" else json_chunks(headers, rows)
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in chunks), content_type=CONTENT_TYPES[name]
        )
    elif name == "xlsx":
        headers, rows = export_rows(queryset, resource_class, columns)
        # Not a `with` block: FileResponse closes (and so deletes) the file once it is sent.
        file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            write_xlsx([(sheet_title(queryset, resource_class), headers, rows)], file)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        response = FileResponse(file, content_type=CONTENT_TYPES[name])
        response.block_size = 64 * 1024
    else:
        response = HttpResponse(
            export_bytes(queryset, name, resource_class, columns), content_type=CONTENT_TYPES[name]
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The whole registry in one workbook --------------------------------------------------------


def export_workbook(file_format="xlsx", out=None):
    """
    Every registry table as one XLSX (or ODS) workbook, one sheet per table: written to the
    binary file `out` when given, else returned as bytes.
    """
    name = format_for_name(file_format)().get_extension()
    if name not in ("xlsx", "ods"):
        raise SpreadsheetError(_("A whole-registry workbook is XLSX or ODS."))
    sheets = []
    for resource_class in RESOURCES:
        model = resource_class._meta.model
        headers, rows = export_rows(model.objects.all(), resource_class)
        sheets.append((resource_class.sheet_name, headers, rows))
    if name == "xlsx":
        return write_xlsx(sheets, out)
    data = write_ods(sheets)
    if out is None:
        return data
    out.write(data)
    return None


class WorkbookResult:
    """The outcome of a whole-registry import: one import result per sheet."""

    def __init__(self, results, dry_run):
        self.results = results  # [(sheet name, RegistryImportResult)]
        self.dry_run = dry_run

    @property
    def refused(self):
        return any(result.refused for _sheet, result in self.results)

    def problems(self):
        return [(sheet, problem) for sheet, result in self.results for problem in result.problems]

    def report(self):
        lines = []
        for sheet, result in self.results:
            if result.refused:
                lines.append(result.report())
            else:
                lines.append(f"{sheet}: {result.summary()}")
                lines += [f"  {note}" for note in result.notes]
        if self.refused:
            lines.append(_("Nothing was imported."))
        elif self.dry_run:
            lines.append(_("Dry run: nothing was written."))
        return "\n".join(lines)


def import_workbook(data, file_format="xlsx", dry_run=False, user=None, progress=None, **kwargs):
    """
    Import a whole-registry workbook atomically, sheet by sheet in dependency order (sources,
    organisations, networks, member states, cities, officers, agreements). A sheet with a
    problem stops the import and nothing of any sheet is written. `progress(sheet, done,
    total)` is called as rows are read.
    """
    name = format_for_name(file_format)().get_extension()
    if name not in ("xlsx", "ods"):
        raise SpreadsheetError(_("A whole-registry workbook is XLSX or ODS."))
    sheets = read_workbook(data, name.upper())
    known = {resource.sheet_name: resource for resource in RESOURCES}
    unknown = [sheet for sheet in sheets if sheet not in known]
    if unknown:
        raise SpreadsheetError(
            _("The workbook has a sheet named '%(sheet)s'; the sheets can be: %(names)s.")
            % {"sheet": unknown[0], "names": ", ".join(known)}
        )
    if not any(sheets.values()):
        raise SpreadsheetError(_("The workbook is empty."))
    results = []
    with transaction.atomic():
        for resource_class in RESOURCES:
            dataset = sheets.get(resource_class.sheet_name)
            if dataset is None:
                continue
            sheet = resource_class.sheet_name
            resource = resource_class(
                progress=(lambda done, total, sheet=sheet: progress(sheet, done, total))
                if progress
                else None
            )
            # Each sheet writes (inside this transaction) so that the next sheets find its
            # records; a dry run rolls all of it back at the end.
            result = resource.import_data(dataset, dry_run=False, user=user, **kwargs)
            results.append((sheet, result))
            if result.refused:
                break
        workbook_result = WorkbookResult(results, dry_run)
        if dry_run or workbook_result.refused:
            transaction.set_rollback(True)
    return workbook_result
