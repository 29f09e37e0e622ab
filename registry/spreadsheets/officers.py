"""
The officers' resource: a tenure is matched by name, start date and post (a city's CSCO or a
member state's National Representative), and a new CSCO ends the open tenure of the one before.
"""

import bisect
import datetime
from collections import defaultdict

from django.utils.translation import gettext as _
from import_export.fields import Field

from registry.models import Officer

from .columns import (
    CONFIRMATION_COLUMNS,
    ConfirmationField,
    PostStateField,
    date_column,
    sources_column,
    text_column,
)
from .engine.resource import KEY_CHUNK, RegistryResource
from .export_reader import RowExportMixin
from .widgets import CityWidget, DateWidget, MemberStateWidget, RoleWidget, name_key


class InPostAsOfField(Field):
    """
    Export only (readonly: an import ignores the column, whatever it holds): an open
    tenure's latest evidence, OfficerQuerySet.with_in_post_as_of(), so that a download claims
    no more than the pages do. Its export reads the same expression (`value_annotations`).
    """

    value_paths = ("export_in_post_as_of",)
    meaning = (
        "For an officer with no end date: the latest date the registry's evidence shows them "
        "in post (the last verification, else the latest date of the record's sources); "
        "export only, ignored on import."
    )

    def __init__(self):
        super().__init__(
            attribute="in_post_as_of",
            column_name="in_post_as_of",
            widget=DateWidget(),
            readonly=True,
        )

    @property
    def value_annotations(self):
        return {"export_in_post_as_of": Officer.objects.in_post_as_of_expression()}

    def render_values(self, day):
        return self.widget.render(day)

    def get_value(self, instance):
        return getattr(instance, "in_post_as_of", None)


class OfficerResource(RowExportMixin, RegistryResource):
    name = text_column("name")
    designation = text_column("designation")
    city = Field(attribute="city", column_name="city", widget=CityWidget())
    member_state = PostStateField(
        attribute="member_state", column_name="member_state", widget=MemberStateWidget()
    )
    role = Field(attribute="role", column_name="role", widget=RoleWidget(Officer.Role))
    start_date = date_column("start_date")
    # A blank end date is "not stated": it never reopens a tenure the registry has ended
    # (re-importing a file from before a handover must not undo it); a new row's is open.
    end_date = Field(
        attribute="end_date", column_name="end_date", widget=DateWidget(), saves_null_values=False
    )
    last_verified = date_column("last_verified")
    sources = sources_column()
    in_post_as_of = InPostAsOfField()
    confirmed_on = ConfirmationField(Officer, "confirmed_on")
    confirmed_in_round = ConfirmationField(Officer, "confirmed_in_round")
    not_confirmed_in_round = ConfirmationField(Officer, "not_confirmed_in_round")

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
            "in_post_as_of",
            *CONFIRMATION_COLUMNS,
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
        self.created = []
        self.undated_keys = None
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
        self.dataset = dataset
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
            if (
                undated in instances
                and undated not in self.seen_keys
                and undated not in self.undated_rows()
            ):
                self.seen_keys[undated] = self.row_line
                return instances[undated]
        return instance

    def undated_rows(self):
        """The keys of the file's rows without a start date: such a tenure is the file's own
        (an export holds a person's undated and dated tenures of one post side by side)."""
        if self.undated_keys is None:
            self.undated_keys = set()
            if "start_date" in self.present_columns:
                dataset = self.dataset
                for values in dataset:
                    row = dict(zip(dataset.headers, values, strict=True))
                    if row.get("start_date") in (None, ""):
                        key = self.row_key(row)
                        if key is not None:
                            self.undated_keys.add(key)
        return self.undated_keys

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
        if is_create:
            self.created.append(instance)
        if (
            is_create
            and instance.role == Officer.Role.CSCO
            and instance.start_date
            and not instance.end_date
        ):
            self.new_cscos.append((instance, self.row_line))

    def after_import(self, dataset, result, **kwargs):
        """
        The handover rule: a new CSCO with a start date (and no end date) ends the open
        tenures of the city's previous CSCOs the day before, instead of leaving two current
        CSCOs; the preview says so on the row. It ends only what the file leaves unsaid:
        tenures open in the database before this import and, in a file without an end_date
        column, the tenures its own earlier rows open. A file with an end_date column states
        the end of every tenure it creates (an export, a restore), and is taken as stated.
        """
        super().after_import(dataset, result, **kwargs)
        if not self.new_cscos or result.has_errors() or result.has_validation_errors():
            return
        stated = (
            {officer.pk for officer in self.created} if "end_date" in self.present_columns else ()
        )
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
                if old.pk in stated:
                    continue
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
        return (
            queryset.select_related("city__member_state", "member_state")
            .prefetch_related("sources")
            .with_in_post_as_of()
        )
