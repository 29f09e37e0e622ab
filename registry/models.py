import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models, router
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Contains
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .folding import Fold, fold
from .history import RegistryHistoricalRecords

# A fact not re-checked for this long is shown as possibly out of date.
STALE_AFTER = datetime.timedelta(days=2 * 365)

# Staff import and export spreadsheets: django-import-export checks these permissions
# (IMPORT_EXPORT_IMPORT_PERMISSION_CODE / IMPORT_EXPORT_EXPORT_PERMISSION_CODE).
REGISTRY_PERMISSIONS = ("add", "change", "delete", "view", "import", "export")


class DatePrecision(models.TextChoices):
    """How much of a date the sources give: "April 2018" is stored as 2018-04-01, month."""

    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Versioned(models.Model):
    """A record that several staff members may edit at once.

    The version counts saves, so an edit form can tell whether the record changed since it
    was opened (optimistic locking, checked by the admin forms) instead of overwriting it.
    """

    # The database default serves rows written without Django (COPY, SQL by hand).
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


class VerifiableQuerySet(models.QuerySet):
    """Queries over the review state of records, for the data health page."""

    def stale(self, today=None):
        """Never verified, or verified more than two years before `today` (see is_stale)."""
        today = today or timezone.localdate()
        return self.filter(
            Q(last_verified__isnull=True) | Q(last_verified__lt=today - STALE_AFTER)
        )

    def without_sources(self):
        return self.filter(sources__isnull=True)


class Verifiable(Versioned):
    """A record whose facts are checked against sources from time to time."""

    last_verified = models.DateField(
        _("last verified"),
        null=True,
        blank=True,
        help_text=_("When staff last checked this record against its sources."),
    )

    class Meta:
        abstract = True

    def is_stale(self, today=None):
        """Never verified, or verified more than two years ago."""
        if self.last_verified is None:
            return True
        today = today or timezone.localdate()
        return today - self.last_verified > STALE_AFTER


# Sources ----------------------------------------------------------------------------------


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, title):
        return self.get(title=title)

    def supported_records(self, day=None):
        """
        What each source of this queryset supports (on `day`, only the records of that day),
        as {source id: {"networks": [...], "member_states": [...], "cities": [...],
        "officers": [...], "agreements": [...], "organisations": [...]}}: unsaved instances
        holding what the sources page shows of each (names, links, posts).

        One statement, a UNION over the six tables that cite sources, where prefetching each
        relation would take six.
        """
        cities, officers, agreements = City.objects.all(), Officer.objects.all(), None
        if day:
            cities, officers = cities.pilot_on(day), officers.in_post_on(day)
            agreements = Agreement.objects.signed_by(day)
        parts = [
            ("networks", "network", {}, None),
            ("member_states", "memberstate", {}, None),
            ("cities", "city", {"related": "city__member_state"}, cities if day else None),
            ("officers", "officer", {}, officers if day else None),
            ("agreements", "agreement", {"name": "agreement__title"}, agreements),
            ("organisations", "organisation", {}, None),
        ]
        # Typed NULLs: PostgreSQL would match two untyped ones as text, then refuse a bigint.
        null_text = Cast(Value(None), CharField())
        null_id, null_day = Cast(Value(None), BigIntegerField()), Cast(Value(None), DateField())
        branches = []
        for kind, field, paths, records in parts:
            through = _sources_through(field)
            rows = through.objects.filter(source__in=self.values("pk"))
            if records is not None:
                rows = rows.filter(**{f"{field}__in": records.values("pk")})
            related = paths.get("related")
            columns = {
                "s_source": F("source_id"),
                "s_kind": Value(kind),
                "s_pk": F(f"{field}_id"),
                "s_name": F(paths.get("name", f"{field}__name")),
                "s_slug": F(f"{field}__slug") if kind != "officers" else null_text,
                "s_related_pk": F(f"{related}_id") if related else null_id,
                "s_related_name": F(f"{related}__name") if related else null_text,
                "s_related_slug": F(f"{related}__slug") if related else null_text,
                "s_role": null_text,
                "s_day": null_day,
            }
            if kind == "officers":
                post = {"city": "officer__city", "state": "officer__member_state"}
                columns.update(
                    s_related_pk=Coalesce(f"{post['city']}_id", f"{post['state']}_id"),
                    s_related_name=Coalesce(f"{post['city']}__name", f"{post['state']}__name"),
                    s_related_slug=Coalesce(f"{post['city']}__slug", f"{post['state']}__slug"),
                    s_role=F("officer__role"),
                    s_day=F("officer__start_date"),
                )
            if kind == "agreements":
                columns["s_day"] = F("agreement__date")
            branches.append(rows.annotate(**columns).values_list(*columns).order_by())
        supported = {}
        for row in branches[0].union(*branches[1:], all=True):
            source_id, kind = row[0], row[1]
            records = supported.setdefault(source_id, {name: [] for name, *_ in parts})
            records[kind].append(_supported_record(kind, *row[2:]))
        for records in supported.values():
            for kind, items in records.items():
                items.sort(key=SUPPORTED_ORDER[kind])
        return supported


def _sources_through(model_name):
    return {
        "network": Network,
        "memberstate": MemberState,
        "city": City,
        "officer": Officer,
        "agreement": Agreement,
        "organisation": Organisation,
    }[model_name].sources.through


def _supported_record(kind, pk, name, slug, related_pk, related_name, related_slug, role, day):
    """An unsaved instance with what the sources page shows of a supported record."""
    if kind == "networks":
        return Network(pk=pk, name=name, slug=slug)
    if kind == "member_states":
        return MemberState(pk=pk, name=name, slug=slug)
    if kind == "cities":
        state = MemberState(pk=related_pk, name=related_name, slug=related_slug)
        return City(pk=pk, name=name, slug=slug, member_state=state)
    if kind == "officers":
        officer = Officer(pk=pk, name=name, role=role, start_date=day)
        if role == Officer.Role.CSCO:
            officer.city = City(pk=related_pk, name=related_name, slug=related_slug)
        else:
            officer.member_state = MemberState(pk=related_pk, name=related_name, slug=related_slug)
        return officer
    if kind == "agreements":
        return Agreement(pk=pk, title=name, slug=slug, date=day)
    return Organisation(pk=pk, name=name, slug=slug)


def _newest_first(agreement):
    # The agreements' own order on PostgreSQL: by date descending, undated first, then title.
    date = agreement.date
    return (date is not None, -date.toordinal() if date else 0, agreement.title)


# Each kind in its model's Meta.ordering (NULL dates placed as PostgreSQL places them).
SUPPORTED_ORDER = {
    "networks": lambda network: network.name,
    "member_states": lambda state: state.name,
    "cities": lambda city: (city.name, city.member_state.name),
    "officers": lambda officer: (
        officer.name,
        officer.start_date is None,
        officer.start_date or datetime.date.min,
    ),
    "agreements": _newest_first,
    "organisations": lambda organisation: organisation.name,
}


class Source(Versioned):
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    retrieved_on = models.DateField(_("retrieved on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = SourceQuerySet.as_manager()
    history = RegistryHistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["title"]
        default_permissions = REGISTRY_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["title"], name="registry_source_unique_title"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("registry:source-list") + f"#{self.slug}"

    def natural_key(self):
        return (self.title,)


# Organisations ----------------------------------------------------------------------------


class OrganisationQuerySet(VerifiableQuerySet):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Organisation(Verifiable):
    """A party to an agreement: a government, an agency, a company or an alliance."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=30, blank=True)
    url = models.URLField(_("website"), max_length=500, blank=True)
    sources = models.ManyToManyField(
        Source, blank=True, related_name="organisations", verbose_name=_("sources")
    )

    objects = OrganisationQuerySet.as_manager()
    history = RegistryHistoricalRecords(m2m_fields=["sources"])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        default_permissions = REGISTRY_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["name"], name="registry_organisation_unique_name"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


# The network ------------------------------------------------------------------------------


class NetworkQuerySet(VerifiableQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Network(Verifiable):
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=20, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("aims and description"), blank=True)
    launch_date = models.DateField(_("launch date"), null=True, blank=True)
    launch_date_precision = models.CharField(
        _("launch date precision"),
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
    )
    launch_event = models.CharField(_("launch event"), max_length=300, blank=True)
    inaugural_meeting_date = models.DateField(_("inaugural meeting date"), null=True, blank=True)
    inaugural_meeting_summary = models.TextField(_("inaugural meeting"), blank=True)
    sources = models.ManyToManyField(
        Source, blank=True, related_name="networks", verbose_name=_("sources")
    )

    objects = NetworkQuerySet.as_manager()
    history = RegistryHistoricalRecords(m2m_fields=["sources"])

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering = ["name"]
        default_permissions = REGISTRY_PERMISSIONS

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:home")

    def natural_key(self):
        return (self.slug,)


# Member states ----------------------------------------------------------------------------


class MemberStateQuerySet(VerifiableQuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)

    def of_member_states(self, state_ids):
        return self.filter(pk__in=state_ids)

    def with_sources(self):
        return self.prefetch_related("sources")

    def with_national_representatives(self, day=None, sources=True):
        """Prefetch the national representatives in post on `day` (today's when None)."""
        officers = Officer.objects.national_representatives().order_by("start_date", "name")
        officers = officers.in_post_on(day) if day else officers.current()
        return self.prefetch_related(
            models.Prefetch(
                "national_representatives",
                queryset=officers.with_sources() if sources else officers,
                to_attr="representatives_in_post",
            )
        )

    def with_city_counts(self, day=None):
        cities = None
        if day:
            cities = Q(cities__pilot_since__isnull=True) | Q(cities__pilot_since__lte=day)
        return self.annotate(city_count=models.Count("cities", filter=cities))


class MemberState(Verifiable):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("ISO 3166-1 alpha-2 code"),
        max_length=2,
        help_text=_("Two capital letters, e.g. TH."),
    )
    code_alpha3 = models.CharField(_("ISO 3166-1 alpha-3 code"), max_length=3)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    network = models.ForeignKey(
        Network,
        on_delete=models.PROTECT,
        related_name="member_states",
        verbose_name=_("network"),
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="member_states", verbose_name=_("sources")
    )

    objects = MemberStateQuerySet.as_manager()
    history = RegistryHistoricalRecords(m2m_fields=["sources"])

    class Meta:
        verbose_name = _("member state")
        verbose_name_plural = _("member states")
        ordering = ["name"]
        default_permissions = REGISTRY_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["code"], name="registry_memberstate_unique_code"),
            models.UniqueConstraint(
                fields=["code_alpha3"], name="registry_memberstate_unique_code_alpha3"
            ),
            models.UniqueConstraint(fields=["name"], name="registry_memberstate_unique_name"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"),
                name="registry_memberstate_code_is_alpha2",
            ),
            models.CheckConstraint(
                condition=Q(code_alpha3__regex=r"^[A-Z]{3}$"),
                name="registry_memberstate_code_alpha3_is_alpha3",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:member-state-detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.code,)


# Cities -----------------------------------------------------------------------------------


class CityQuerySet(VerifiableQuerySet):
    """Cities with what their pages and the admin changelist show, in one query each."""

    def get_by_natural_key(self, member_state_code, name):
        return self.get(member_state__code=member_state_code, name=name)

    def with_state(self):
        return self.select_related("member_state")

    def of_member_states(self, state_ids):
        return self.filter(member_state__in=state_ids)

    def without_current_csco(self):
        """Cities that no Chief Smart City Officer currently serves."""
        return self.filter(
            ~Exists(Officer.objects.current().filter(city=OuterRef("pk"), role=Officer.Role.CSCO))
        )

    def without_coordinates(self):
        # A check constraint keeps latitude and longitude both set or both empty.
        return self.filter(latitude__isnull=True)

    def with_officers(self, day=None):
        """Prefetch each city's officers in post on `day` (today's holders when None)."""
        officers = Officer.objects.order_by("start_date", "name")
        officers = officers.in_post_on(day) if day else officers.current()
        return self.prefetch_related(
            models.Prefetch("officers", queryset=officers, to_attr="officers_in_post")
        )

    def with_sources(self):
        return self.prefetch_related("sources")

    def pilot_on(self, day):
        """Cities that were pilot cities on `day` (an unknown start counts as a member)."""
        return self.filter(Q(pilot_since__isnull=True) | Q(pilot_since__lte=day))


class City(Verifiable):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        related_name="cities",
        verbose_name=_("member state"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    pilot_since = models.DateField(
        _("pilot city since"),
        null=True,
        blank=True,
        help_text=_("When the city joined the network as a pilot city."),
    )
    pilot_since_precision = models.CharField(
        _("pilot city since: precision"),
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
    )
    action_plan_url = models.URLField(_("action plan URL"), max_length=500, blank=True)
    network = models.ForeignKey(
        Network, on_delete=models.PROTECT, related_name="cities", verbose_name=_("network")
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="cities", verbose_name=_("sources")
    )

    objects = CityQuerySet.as_manager()
    history = RegistryHistoricalRecords(m2m_fields=["sources"])

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name", "member_state__name"]
        default_permissions = REGISTRY_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "name"], name="registry_city_unique_name_per_state"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90) | Q(latitude__isnull=True),
                name="registry_city_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180) | Q(longitude__isnull=True),
                name="registry_city_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="registry_city_both_or_no_coordinates",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:city-detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (*self.member_state.natural_key(), self.name)

    natural_key.dependencies = ["registry.memberstate"]


# Officers ---------------------------------------------------------------------------------


class InSubquery(Func):
    """
    `column IN (subquery)`, written on PostgreSQL as `column = ANY(ARRAY(subquery))`: the
    subquery then runs once, before the scan, and each branch of an OR can use its column's
    index, where an IN under an OR is tested against every row of the table.
    """

    output_field = BooleanField()

    def __init__(self, column, queryset):
        super().__init__(F(column), Subquery(queryset.order_by().values("pk")))

    def compile_parts(self, compiler):
        (column, column_params), (subquery, subquery_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return column, subquery, (*column_params, *subquery_params)

    def as_sql(self, compiler, connection, **extra_context):
        column, subquery, params = self.compile_parts(compiler)
        return f"{column} IN {subquery}", params

    def as_postgresql(self, compiler, connection, **extra_context):
        column, subquery, params = self.compile_parts(compiler)
        return f"{column} = ANY(ARRAY{subquery})", params


class OfficerQuerySet(VerifiableQuerySet):
    """Tenures of posts, with the city and state each one belongs to."""

    def get_by_natural_key(self, name, start_date, member_state_code, city_name=None):
        if city_name is None:
            return self.get(
                name=name,
                start_date=start_date,
                member_state__code=member_state_code,
                city__isnull=True,
            )
        return self.get(
            name=name,
            start_date=start_date,
            city__member_state__code=member_state_code,
            city__name=city_name,
        )

    def with_posts(self):
        return self.select_related("city__member_state", "member_state")

    def with_sources(self):
        return self.prefetch_related("sources")

    def national_representatives(self):
        return self.filter(role=Officer.Role.NATIONAL_REPRESENTATIVE)

    def search(self, text):
        """
        Tenures where every word of `text` is in the officer's name or designation, or in the
        name of the post's city or member state, whatever the case or accents.
        """
        queryset = self
        for word in fold(text).split():
            queryset = queryset.matching(word)
        return queryset

    def matching(self, folded, posts=None):
        """
        Tenures with the folded text `folded` in their name or designation (the stored
        search_text, trigram-indexed on PostgreSQL) or in their city's or member state's name.

        Cities and states are matched by id, from their own small tables, rather than by
        folding the joined names of every tenure: through subqueries, or from `posts`, the
        (city ids, state ids) of matching_posts() looked up beforehand by a caller that runs
        several statements (the staff changelist counts, then pages).
        """
        if posts is None:
            cities, states = self.matching_posts(folded)
            cities, states = InSubquery("city", cities), InSubquery("member_state", states)
        else:
            cities, states = Q(city__in=posts[0]), Q(member_state__in=posts[1])
        return self.filter(Q(search_text__contains=folded) | Q(cities) | Q(states))

    @staticmethod
    def matching_posts(folded):
        """The cities and member states whose names hold `folded` (a city's state's too)."""
        states = MemberState.objects.filter(Contains(Fold("name"), folded))
        cities = City.objects.filter(
            Contains(Fold("name"), folded) | Q(InSubquery("member_state", states))
        )
        return cities, states

    def started_by(self, day):
        """Tenures that had begun by `day`, ended or not (an unknown start counts as begun)."""
        return self.filter(Q(start_date__isnull=True) | Q(start_date__lte=day))

    def current(self):
        return self.filter(end_date__isnull=True)

    def of_member_states(self, state_ids):
        """Posts in those states: a city's CSCO by the city's state, a representative by theirs."""
        return self.filter(Q(city__member_state__in=state_ids) | Q(member_state__in=state_ids))

    def in_post_on(self, day):
        """Tenures that covered `day`; an unknown start date does not exclude a tenure."""
        return self.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=day),
            Q(end_date__isnull=True) | Q(end_date__gte=day),
        )


class Officer(Verifiable):
    """One person's tenure of a post: a city's CSCO or a member state's National Representative."""

    class Role(models.TextChoices):
        CSCO = "csco", _("Chief Smart City Officer")
        NATIONAL_REPRESENTATIVE = "national_representative", _("National Representative")

    name = models.CharField(_("name"), max_length=200)
    designation = models.CharField(
        _("designation"),
        max_length=500,
        blank=True,
        help_text=_("Title and organisation, as the source writes them."),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role, default=Role.CSCO)
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("city"),
        help_text=_("For a Chief Smart City Officer."),
    )
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="national_representatives",
        verbose_name=_("member state"),
        help_text=_("For a National Representative."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Empty while the officer is in post.")
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="officers", verbose_name=_("sources")
    )
    # The name and designation folded (see build_search_text), for the searches. No database
    # default: a write that leaves it out (raw SQL, COPY) fails instead of hiding the officer
    # from every search.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    objects = OfficerQuerySet.as_manager()
    # The search text is derived from the other fields: not history of its own.
    history = RegistryHistoricalRecords(m2m_fields=["sources"], excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["name", "start_date"]
        default_permissions = REGISTRY_PERMISSIONS
        indexes = [
            models.Index(fields=["city", "end_date"], name="registry_officer_city_end"),
            # The lists' default order: a page of 50 reads 50 index entries, not the table.
            models.Index(fields=["name", "start_date"], name="registry_officer_name_start"),
            # Current holders, the public list's default: a small slice of a long history.
            models.Index(
                fields=["name", "start_date"],
                condition=Q(end_date__isnull=True),
                name="registry_officer_current_name",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(city__isnull=False, member_state__isnull=True)
                | Q(city__isnull=True, member_state__isnull=False),
                name="registry_officer_city_xor_member_state",
            ),
            models.CheckConstraint(
                condition=Q(role="csco", city__isnull=False)
                | Q(role="national_representative", member_state__isnull=False),
                name="registry_officer_role_matches_post",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="registry_officer_end_after_start",
            ),
            # One tenure per person, post and start date; NULL start dates are compared too,
            # which a plain unique constraint would not do.
            models.UniqueConstraint(
                fields=["city", "name", "start_date"],
                condition=Q(city__isnull=False, start_date__isnull=False),
                name="registry_officer_unique_city_tenure",
            ),
            models.UniqueConstraint(
                fields=["city", "name"],
                condition=Q(city__isnull=False, start_date__isnull=True),
                name="registry_officer_unique_city_tenure_undated",
            ),
            models.UniqueConstraint(
                fields=["member_state", "name", "start_date"],
                condition=Q(member_state__isnull=False, start_date__isnull=False),
                name="registry_officer_unique_state_tenure",
            ),
            models.UniqueConstraint(
                fields=["member_state", "name"],
                condition=Q(member_state__isnull=False, start_date__isnull=True),
                name="registry_officer_unique_state_tenure_undated",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.post_name})"

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "designation"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        if self.city_id:
            return self.city.get_absolute_url()
        return self.member_state.get_absolute_url()

    def clean(self):
        super().clean()
        if self.role == self.Role.CSCO and (not self.city_id or self.member_state_id):
            raise ValidationError(
                {"city": _("A Chief Smart City Officer belongs to a city, not a member state.")}
            )
        if self.role == self.Role.NATIONAL_REPRESENTATIVE and (
            not self.member_state_id or self.city_id
        ):
            raise ValidationError(
                {
                    "member_state": _(
                        "A National Representative belongs to a member state, not a city."
                    )
                }
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})

    def natural_key(self):
        if self.city_id:
            return (self.name, self.start_date, *self.city.natural_key())
        return (self.name, self.start_date, *self.member_state.natural_key())

    natural_key.dependencies = ["registry.city", "registry.memberstate"]

    def build_search_text(self):
        return self.search_text_for(self.name, self.designation)

    @staticmethod
    def search_text_for(name, designation):
        """
        What a search matches a word against: the folded name and designation, on two lines
        (a search word has no line break, so no match spans both). Code that writes rows
        without Officer.save() (COPY, bulk_create) fills search_text with this.
        """
        return f"{fold(name)}\n{fold(designation or '')}"

    @property
    def post_name(self):
        """ "Chief Smart City Officer, Phnom Penh" or "National Representative, Thailand"."""
        place = self.city if self.city_id else self.member_state
        return f"{self.get_role_display()}, {place}"

    @property
    def is_current(self):
        return self.end_date is None

    @property
    def state(self):
        """The member state of the post, whichever kind of post it is."""
        return self.city.member_state if self.city_id else self.member_state


# Agreements -------------------------------------------------------------------------------


class AgreementQuerySet(VerifiableQuerySet):
    def get_by_natural_key(self, title):
        return self.get(title=title)

    def with_parties(self):
        return self.prefetch_related("parties")

    def with_sources(self):
        return self.prefetch_related("sources")

    def signed_by(self, day):
        """Agreements dated on or before `day`; an undated agreement is not excluded."""
        return self.filter(Q(date__isnull=True) | Q(date__lte=day))


class Agreement(Verifiable):
    """An agreement signed, or support pledged, by partners of the network."""

    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        AGREEMENT = "agreement", _("Agreement")
        FUNDING = "funding", _("Funding commitment")
        OTHER = "other", _("Other support")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.AGREEMENT)
    parties = models.ManyToManyField(
        Organisation, blank=True, related_name="agreements", verbose_name=_("parties")
    )
    date = models.DateField(_("date signed or announced"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"), max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    event = models.CharField(_("event"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code, e.g. AUD.")
    )
    network = models.ForeignKey(
        Network, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("network")
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="agreements", verbose_name=_("sources")
    )

    objects = AgreementQuerySet.as_manager()
    history = RegistryHistoricalRecords(m2m_fields=["parties", "sources"])

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-date", "title"]
        default_permissions = REGISTRY_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["title"], name="registry_agreement_unique_title"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="registry_agreement_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True, currency="")
                | Q(amount__isnull=False, currency__regex=r"^[A-Z]{3}$"),
                name="registry_agreement_amount_has_currency",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("registry:agreement-detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.title,)

    def clean_parties(self, parties):
        """Parties live in a many-to-many table, out of reach of a CHECK constraint."""
        if self.kind == self.Kind.MOU and len(parties) < 2:
            raise ValidationError(
                _("A memorandum of understanding needs at least two parties."), code="parties"
            )


# Roles ------------------------------------------------------------------------------------


class MemberStateEditorQuerySet(models.QuerySet):
    def get_by_natural_key(self, username, member_state_code):
        return self.get(user__username=username, member_state__code=member_state_code)


class MemberStateEditor(models.Model):
    """Lets a staff member change the cities and officers of one member state.

    A user in the "Member-state editor" group, or with any of these rows, may change only the
    records of the states listed here (registry.permissions.can_edit_state).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="member_state_assignments",
        verbose_name=_("user"),
    )
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.CASCADE,
        related_name="editors",
        verbose_name=_("member state"),
    )

    objects = MemberStateEditorQuerySet.as_manager()
    history = RegistryHistoricalRecords()

    class Meta:
        verbose_name = _("member-state editor")
        verbose_name_plural = _("member-state editors")
        ordering = ["user__username", "member_state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "member_state"],
                name="registry_memberstateeditor_unique_user_state",
            ),
        ]

    def __str__(self):
        return f"{self.user.get_username()}: {self.member_state}"

    def natural_key(self):
        return (self.user.get_username(), *self.member_state.natural_key())

    natural_key.dependencies = ["registry.memberstate", settings.AUTH_USER_MODEL.lower()]


# Data version ----------------------------------------------------------------------------


class DataVersionQuerySet(models.QuerySet):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class DataVersion(models.Model):
    """
    One row counting changes to the registry, for ETag and Last-Modified headers.

    Kept in the database rather than a per-process cache, since several app servers share
    one database. Saves and deletes bump it through signals (registry/signals.py); code that
    writes without signals (bulk_create, QuerySet.update, raw SQL) calls touch_registry().
    """

    name = models.CharField(_("name"), max_length=50, default="registry")
    version = models.PositiveBigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = DataVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="registry_dataversion_unique_name"),
        ]

    def __str__(self):
        return f"{self.name} {self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"

    def natural_key(self):
        return (self.name,)

    @classmethod
    def current(cls):
        """
        The registry's version, read with one plain statement: every public request reads it
        (even one answered from the page cache), and building the ORM query took longer than
        the database's answer.
        """
        connection = connections[router.db_for_read(cls)]
        sql = (
            f"SELECT id, version, changed_at FROM {connection.ops.quote_name(cls._meta.db_table)} "
            "WHERE name = %s"
        )
        row = first_statement_checks_connection(connection, sql, [REGISTRY_VERSION])
        if row is None:
            return cls(name=REGISTRY_VERSION, version=0, changed_at=STARTED_AT)
        pk, version, changed_at = row
        if isinstance(changed_at, str):  # SQLite without its declared-type converters
            changed_at = datetime.datetime.fromisoformat(changed_at)
        if timezone.is_naive(changed_at):  # SQLite stores UTC without an offset
            changed_at = timezone.make_aware(changed_at, datetime.UTC)
        return cls(id=pk, name=REGISTRY_VERSION, version=version, changed_at=changed_at)


REGISTRY_VERSION = "registry"


def first_statement_checks_connection(connection, sql, params):
    """
    The one row `sql` answers, run as the connection's health check too.

    With CONN_HEALTH_CHECKS, Django sends "SELECT 1" before the first statement of a request
    on a reused connection, a round trip as long as the version read itself. Here the version
    read is the check: if it fails on a reused connection outside a transaction, the
    connection is closed, as Django's check would have done, and the read runs once more on a
    fresh one. An error that is not the connection's repeats and is raised.
    """
    checking = (
        connection.health_check_enabled
        and not connection.health_check_done
        and connection.connection is not None
        and not connection.in_atomic_block
    )
    if checking:
        connection.health_check_done = True
        try:
            return _fetch_one(connection, sql, params)
        except DatabaseError:
            connection.close()
    return _fetch_one(connection, sql, params)


def _fetch_one(connection, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# When no change has been recorded yet (an empty table): a fixed point, not "now", so the
# validators stay the same between requests.
STARTED_AT = datetime.datetime(2018, 1, 1, tzinfo=datetime.UTC)


def touch_registry(using="default"):
    """Record that registry data changed; call it after writes that send no signals."""
    now = timezone.now()
    versions = DataVersion.objects.using(using).filter(name=REGISTRY_VERSION)
    if not versions.update(version=models.F("version") + 1, changed_at=now):
        # The migration creates the row; only a flushed table (some tests) lacks it.
        versions.create(name=REGISTRY_VERSION, version=1, changed_at=now)
