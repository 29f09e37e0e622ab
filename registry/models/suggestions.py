"""Corrections suggested by the public: kept for the secretariat, never published."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .agreements import Agreement
from .people import Officer
from .places import City, MemberState

# The records a suggestion can be about, by the name its URL and its foreign key use.
SUGGESTION_RECORD_FIELDS = ("member_state", "city", "officer", "agreement")


class SuggestionQuerySet(models.QuerySet):
    """The secretariat's queue of corrections suggested by the public."""

    def get_by_natural_key(self, reference):
        return self.get(reference=reference)

    def open(self):
        return self.filter(status=Suggestion.Status.OPEN)

    def with_records(self):
        return self.select_related(
            "member_state",
            "city__member_state",
            "officer__city",
            "officer__member_state",
            "agreement",
            "resolved_by",
        )


class Suggestion(models.Model):
    """
    One message from the public saying that a record is wrong. It changes nothing by itself:
    a staff member checks it, corrects the record (or not) and closes it with a note. The
    natural key is a random reference, quoted in the e-mail to the secretariat: a message
    has no identity in its text (two people may send the same words).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")
        REJECTED = "rejected", _("rejected")

    reference = models.UUIDField(_("reference"), default=uuid.uuid4, editable=False)
    # Exactly one of these is set (a check constraint). PROTECT: a record with suggestions
    # waiting is not deleted by accident; close or delete the suggestions first.
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("member state"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("city"),
    )
    officer = models.ForeignKey(
        Officer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("officer"),
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("agreement"),
    )
    what_is_wrong = models.TextField(_("what is wrong"))
    correct_value = models.TextField(_("the correct value"), blank=True)
    source = models.TextField(
        _("source"), blank=True, help_text=_("A link or a description of where it says so.")
    )
    email = models.EmailField(_("e-mail for a reply"), blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.OPEN, db_index=True
    )
    staff_note = models.TextField(_("staff note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolving_change = models.PositiveBigIntegerField(
        _("resolving change"),
        null=True,
        blank=True,
        help_text=_(
            "The id of the entry in the record's change history that made the correction."
        ),
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggested correction")
        verbose_name_plural = _("suggested corrections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], name="registry_suggestion_unique_reference"
            ),
            models.CheckConstraint(
                condition=Q(
                    member_state__isnull=False,
                    city__isnull=True,
                    officer__isnull=True,
                    agreement__isnull=True,
                )
                | Q(
                    member_state__isnull=True,
                    city__isnull=False,
                    officer__isnull=True,
                    agreement__isnull=True,
                )
                | Q(
                    member_state__isnull=True,
                    city__isnull=True,
                    officer__isnull=False,
                    agreement__isnull=True,
                )
                | Q(
                    member_state__isnull=True,
                    city__isnull=True,
                    officer__isnull=True,
                    agreement__isnull=False,
                ),
                name="registry_suggestion_exactly_one_record",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "resolved", "rejected"]),
                name="registry_suggestion_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | (~Q(status="open") & Q(resolved_at__isnull=False)),
                name="registry_suggestion_closed_when_dated",
            ),
        ]

    def __str__(self):
        return _("About %(record)s, received %(day)s") % {
            "record": self.record,
            "day": f"{self.created_at:%Y-%m-%d}" if self.created_at else "",
        }

    def natural_key(self):
        return (str(self.reference),)

    @property
    def record(self):
        """The member state, city, officer or agreement the suggestion is about."""
        for name in SUGGESTION_RECORD_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None

    def record_admin_url(self, page="change"):
        """The record's admin page ("change" or "history")."""
        record = self.record
        meta = record._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}", args=[record.pk])

    def latest_change_since_received(self):
        """The id of the record's newest change-history entry made after this arrived, or None."""
        entry = (
            self.record.history.filter(history_date__gte=self.created_at)
            .order_by("-history_date", "-history_id")
            .first()
        )
        return entry.history_id if entry else None
