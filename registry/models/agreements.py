"""The agreements signed, or support pledged, by partners of the network."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..history import RegistryHistoricalRecords
from ..text_validators import multi_line, one_line
from .base import (
    REGISTRY_PERMISSIONS,
    DatePrecision,
    RegistrySlugField,
    Verifiable,
    VerifiableQuerySet,
)
from .organisations import Organisation
from .places import Network
from .sources import Source

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

    title = models.CharField(_("title"), max_length=300, validators=[one_line])
    slug = RegistrySlugField(_("slug"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.AGREEMENT)
    parties = models.ManyToManyField(
        Organisation, blank=True, related_name="agreements", verbose_name=_("parties")
    )
    date = models.DateField(_("date signed or announced"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"), max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    event = models.CharField(_("event"), max_length=300, validators=[one_line], blank=True)
    summary = models.TextField(_("summary"), blank=True, validators=[multi_line])
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
