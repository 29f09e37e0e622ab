"""What every registry record shares: the save counter, the review state, date precision,
the slug field."""

import datetime
import unicodedata

from django import forms
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..identifiers import SLUG_MAX_LENGTH, registry_slug, validate_registry_slug

# A fact not re-checked for this long is shown as possibly out of date.
STALE_AFTER = datetime.timedelta(days=2 * 365)

# Staff import and export spreadsheets: django-import-export checks these permissions
# (IMPORT_EXPORT_IMPORT_PERMISSION_CODE / IMPORT_EXPORT_EXPORT_PERMISSION_CODE).
REGISTRY_PERMISSIONS = ("add", "change", "delete", "view", "import", "export")


class RegistrySlugFormField(forms.CharField):
    """A slug typed in a form: NFC-normalised, then checked as the model field checks it."""

    default_validators = [validate_registry_slug]

    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if value else value


class RegistrySlugField(models.SlugField):
    """
    A record's slug in any script (identifiers.registry_slug builds them from names): Django's
    Unicode slugs refuse combining marks, so Thai, Lao, Khmer, Burmese and Vietnamese names
    would lose their vowel and tone marks. Stored NFC-normalised.
    """

    default_validators = [validate_registry_slug]

    def __init__(self, *args, max_length=SLUG_MAX_LENGTH, **kwargs):
        kwargs.pop("allow_unicode", None)
        # Not allow_unicode=True here: SlugField would then check with Django's Unicode slug
        # validator instead of default_validators.
        super().__init__(*args, max_length=max_length, **kwargs)
        self.allow_unicode = True

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("allow_unicode", None)
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if isinstance(value, str) else value

    def formfield(self, **kwargs):
        # CharField's: SlugField's passes `allow_unicode` to a form field with Django's validator.
        return models.CharField.formfield(self, **{"form_class": RegistrySlugFormField, **kwargs})


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


class ConfirmableQuerySet(VerifiableQuerySet):
    """Records the member states confirm in rounds: member states, cities, officers."""

    def with_confirmation(self, today=None):
        """Annotate what the pages say of the record's confirmations
        (rounds.confirmation_annotations: confirmed_at, confirmed_by, confirmed_in and
        unconfirmed_in)."""
        # Imported here: the rounds refer to the records, which are defined first.
        from .rounds import confirmation_annotations

        return self.annotate(**confirmation_annotations(self.model, today))

    def unconfirmed(self, today=None):
        """Records a round past its due date did not confirm (with_confirmation's
        unconfirmed_in), for data health."""
        return self.with_confirmation(today).filter(unconfirmed_in__isnull=False)


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


def free_slug(model, name, instance=None):
    """
    A slug for a record of `model` named `name`, not yet taken by another: registry_slug(name)
    (the model's name when `name` has no letter or digit), then "-2", "-3"… for the same name
    twice, as an import does (spreadsheets.engine.validation).
    """
    base = registry_slug(name, max_length=SLUG_MAX_LENGTH - 10) or model._meta.model_name
    others = model._default_manager.filter(slug__startswith=base)
    if instance is not None and instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
