"""The officers: each person's tenure of a city's or a member state's post."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, DateField, Max, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import Contains
from django.utils.translation import gettext_lazy as _

from ..expressions import InSubquery
from ..folding import Fold, fold
from ..history import RegistryHistoricalRecords
from ..text_validators import one_line
from .base import REGISTRY_PERMISSIONS, ConfirmableQuerySet, Verifiable
from .places import City, MemberState
from .sources import Source


class OfficerQuerySet(ConfirmableQuerySet):
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

    def with_in_post_as_of(self):
        """
        `in_post_as_of` on each open tenure: the latest day the evidence shows the officer in
        post, so that no page claims more. That is the record's last verification (which an
        accepted confirmation sets), else the latest date among its sources (a source's
        publication date, else the day it was retrieved: a dated document speaks for its own
        day, an undated web page for the day it was read), else None: "date not recorded".
        An ended tenure gets None. One correlated subquery, whatever the number of rows.
        """
        return self.annotate(in_post_as_of=self.in_post_as_of_expression())

    @staticmethod
    def in_post_as_of_expression():
        """The expression of with_in_post_as_of(), for the exports' values() query too."""
        links = Officer.sources.through.objects.filter(officer=OuterRef("pk")).order_by()
        latest_source = links.values("officer").annotate(
            day=Max(Coalesce("source__published_on", "source__retrieved_on"))
        )
        evidence = Coalesce(
            "last_verified", Subquery(latest_source.values("day"), output_field=DateField())
        )
        return Case(
            When(end_date__isnull=True, then=evidence), default=None, output_field=DateField()
        )

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

    name = models.CharField(_("name"), max_length=200, validators=[one_line])
    designation = models.CharField(
        _("designation"),
        max_length=500,
        validators=[one_line],
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
    def state(self):
        """The member state of the post, whichever kind of post it is."""
        return self.city.member_state if self.city_id else self.member_state
