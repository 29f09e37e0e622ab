"""The organisations that are party to the network's agreements."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..history import RegistryHistoricalRecords
from ..text_validators import one_line
from .base import REGISTRY_PERMISSIONS, RegistrySlugField, Verifiable, VerifiableQuerySet
from .sources import Source


class OrganisationQuerySet(VerifiableQuerySet):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Organisation(Verifiable):
    """A party to an agreement: a government, an agency, a company or an alliance."""

    name = models.CharField(_("name"), max_length=200, validators=[one_line])
    slug = RegistrySlugField(_("slug"), unique=True)
    abbreviation = models.CharField(
        _("abbreviation"), max_length=30, validators=[one_line], blank=True
    )
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
