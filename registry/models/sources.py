"""The sources that the registry's facts cite."""

from django.db import models
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext_lazy as _

from ..history import RegistryHistoricalRecords
from ..source_citations import supported_records
from ..text_validators import multi_line, one_line
from .base import REGISTRY_PERMISSIONS, RegistrySlugField, Versioned


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, title):
        return self.get(title=title)

    def supported_records(self, day=None):
        """What each source of this queryset supports (see registry.source_citations)."""
        return supported_records(self, day)


class Source(Versioned):
    title = models.CharField(_("title"), max_length=300, validators=[one_line])
    slug = RegistrySlugField(_("slug"), unique=True)
    publisher = models.CharField(_("publisher"), max_length=200, validators=[one_line], blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    retrieved_on = models.DateField(_("retrieved on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, validators=[multi_line])

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
        # The fragment percent-encoded as reverse() encodes paths; a browser decodes it to
        # find the source's id on the page.
        return reverse("registry:source-list") + "#" + iri_to_uri(self.slug)

    def natural_key(self):
        return (self.title,)
