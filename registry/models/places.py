"""The network and its places: member states and pilot cities."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..history import RegistryHistoricalRecords
from ..text_validators import multi_line, one_line
from .base import (
    REGISTRY_PERMISSIONS,
    ConfirmableQuerySet,
    DatePrecision,
    RegistrySlugField,
    Verifiable,
    VerifiableQuerySet,
)
from .sources import Source


def _officer_model():
    """Officer, imported when called: registry.models.people imports this module (the posts)."""
    from .people import Officer

    return Officer


# The network ------------------------------------------------------------------------------


class NetworkQuerySet(VerifiableQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Network(Verifiable):
    name = models.CharField(_("name"), max_length=200, validators=[one_line])
    acronym = models.CharField(_("acronym"), max_length=20, validators=[one_line], blank=True)
    slug = RegistrySlugField(_("slug"), unique=True)
    description = models.TextField(_("aims and description"), blank=True, validators=[multi_line])
    launch_date = models.DateField(_("launch date"), null=True, blank=True)
    launch_date_precision = models.CharField(
        _("launch date precision"),
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
    )
    launch_event = models.CharField(
        _("launch event"), max_length=300, validators=[one_line], blank=True
    )
    inaugural_meeting_date = models.DateField(_("inaugural meeting date"), null=True, blank=True)
    inaugural_meeting_summary = models.TextField(
        _("inaugural meeting"), blank=True, validators=[multi_line]
    )
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


class MemberStateQuerySet(ConfirmableQuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)

    def of_member_states(self, state_ids):
        return self.filter(pk__in=state_ids)

    def with_sources(self):
        return self.prefetch_related("sources")

    def with_national_representatives(self, day=None, sources=True):
        """Prefetch the national representatives in post on `day` (today's when None)."""
        Officer = _officer_model()
        officers = Officer.objects.national_representatives().order_by("start_date", "name")
        officers = (officers.in_post_on(day) if day else officers.current()).with_in_post_as_of()
        if not day:
            officers = officers.with_confirmation()
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
            cities = (Q(cities__pilot_since__isnull=True) | Q(cities__pilot_since__lte=day)) & (
                Q(cities__pilot_until__isnull=True) | Q(cities__pilot_until__gte=day)
            )
        return self.annotate(city_count=models.Count("cities", filter=cities))


class MemberState(Verifiable):
    name = models.CharField(_("name"), max_length=100, validators=[one_line])
    code = models.CharField(
        _("ISO 3166-1 alpha-2 code"),
        max_length=2,
        validators=[one_line],
        help_text=_("Two capital letters, e.g. TH."),
    )
    code_alpha3 = models.CharField(
        _("ISO 3166-1 alpha-3 code"), max_length=3, validators=[one_line]
    )
    slug = RegistrySlugField(_("slug"), unique=True)
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


class CityQuerySet(ConfirmableQuerySet):
    """Cities with what their pages and the admin changelist show, in one query each."""

    def get_by_natural_key(self, member_state_code, name):
        return self.get(member_state__code=member_state_code, name=name)

    def with_state(self):
        return self.select_related("member_state")

    def of_member_states(self, state_ids):
        return self.filter(member_state__in=state_ids)

    def without_current_csco(self):
        """Cities that no Chief Smart City Officer currently serves."""
        Officer = _officer_model()
        return self.filter(
            ~Exists(Officer.objects.current().filter(city=OuterRef("pk"), role=Officer.Role.CSCO))
        )

    def without_coordinates(self):
        # A check constraint keeps latitude and longitude both set or both empty.
        return self.filter(latitude__isnull=True)

    def with_officers(self, day=None):
        """Prefetch each city's officers in post on `day` (today's holders when None)."""
        officers = _officer_model().objects.order_by("start_date", "name")
        officers = (officers.in_post_on(day) if day else officers.current()).with_in_post_as_of()
        if not day:
            officers = officers.with_confirmation()
        return self.prefetch_related(
            models.Prefetch("officers", queryset=officers, to_attr="officers_in_post")
        )

    def with_sources(self):
        return self.prefetch_related("sources")

    def pilot_on(self, day):
        """Cities that were pilot cities on `day` (an unknown start counts as a member)."""
        return self.still_pilot_on(day).filter(
            Q(pilot_since__isnull=True) | Q(pilot_since__lte=day)
        )

    def still_pilot_on(self, day):
        """Cities that had not left the network by `day`: those a confirmation round covers."""
        return self.filter(Q(pilot_until__isnull=True) | Q(pilot_until__gte=day))


class City(Verifiable):
    name = models.CharField(_("name"), max_length=200, validators=[one_line])
    slug = RegistrySlugField(_("slug"), unique=True)
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
    pilot_until = models.DateField(
        _("pilot city until"),
        null=True,
        blank=True,
        help_text=_("The last day the city was a pilot city of the network (empty: it still is)."),
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
            models.CheckConstraint(
                condition=Q(pilot_until__isnull=True)
                | Q(pilot_since__isnull=True)
                | Q(pilot_until__gte=F("pilot_since")),
                name="registry_city_pilot_until_after_since",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:city-detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.pilot_until and self.pilot_since and self.pilot_until < self.pilot_since:
            raise ValidationError(
                {"pilot_until": _("The city cannot leave the network before it joined.")}
            )

    def natural_key(self):
        return (*self.member_state.natural_key(), self.name)

    natural_key.dependencies = ["registry.memberstate"]

    def is_former_pilot(self, day=None):
        return bool(self.pilot_until and self.pilot_until < (day or timezone.localdate()))
