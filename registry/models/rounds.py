"""Confirmation rounds: each member state's return, record by record, and its review."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import Officer
from .places import City, MemberState


def _count_of(queryset):
    """The number of rows of a queryset that refers to OuterRef: a correlated subquery."""
    counted = queryset.order_by().annotate(group=Value(1)).values("group")
    counted = counted.annotate(rows=Count("pk")).values("rows")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class ConfirmationRoundQuerySet(models.QuerySet):
    def get_by_natural_key(self, title):
        return self.get(title=title)


class ConfirmationRound(models.Model):
    """One cycle in which the member states confirm or correct their records by a due date."""

    title = models.CharField(
        _("title"), max_length=200, help_text=_('For example "2027 annual confirmation".')
    )
    due_date = models.DateField(_("due date"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = ConfirmationRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("confirmation round")
        verbose_name_plural = _("confirmation rounds")
        ordering = ["-due_date", "title"]
        constraints = [
            models.UniqueConstraint(fields=["title"], name="registry_round_unique_title"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("admin:registry_confirmationround_returns", args=[self.pk])

    def natural_key(self):
        return (self.title,)


class ReturnQuerySet(models.QuerySet):
    """The returns with what the round page shows of each, in one query."""

    def get_by_natural_key(self, round_title, member_state_code):
        return self.get(round__title=round_title, member_state__code=member_state_code)

    def of_member_states(self, state_ids):
        return self.filter(member_state__in=state_ids)

    def not_submitted(self):
        return self.exclude(status__in=[Return.Status.SUBMITTED, Return.Status.ACCEPTED])

    def waiting_on_review(self):
        return self.filter(status=Return.Status.SUBMITTED)

    def with_progress(self):
        """Annotate confirmed, corrected and record counts and the last activity.

        record_count is what the state answers for now (see Return.records): the state, its
        national representatives in post, its cities and their officers in post.
        """
        state = OuterRef("member_state")
        representatives = Officer.objects.current().filter(member_state=state)
        # A city that has left the network has nothing left to confirm.
        today = timezone.localdate()
        cities = City.objects.filter(member_state=state).still_pilot_on(today)
        city_officers = Officer.objects.current().filter(
            Q(city__pilot_until__isnull=True) | Q(city__pilot_until__gte=today),
            city__member_state=state,
        )
        changes = [
            ReturnItem.Action.CORRECT,
            ReturnItem.Action.HANDOVER,
            ReturnItem.Action.END,
            ReturnItem.Action.ADD,
        ]
        last_item = ReturnItem.objects.filter(return_obj=OuterRef("pk")).order_by()
        last_item = last_item.values("return_obj").annotate(last=Max("updated")).values("last")
        return (
            self.select_related("member_state", "round", "submitted_by", "reviewed_by")
            .annotate(
                confirmed_count=Count(
                    "items", filter=Q(items__action=ReturnItem.Action.CONFIRM), distinct=True
                ),
                corrected_count=Count("items", filter=Q(items__action__in=changes), distinct=True),
                record_count=1
                + _count_of(representatives)
                + _count_of(cities)
                + _count_of(city_officers),
                last_item_activity=Subquery(last_item),
            )
            .annotate(last_activity=Coalesce("last_item_activity", "updated"))
        )

    def with_state_editors(self):
        """Prefetch who a return waits on while the state fills it in: its editors."""
        return self.prefetch_related("member_state__editors__user")


class Return(models.Model):
    """A member state's answer in one round: a confirmation or correction of each record."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned for changes")
        ACCEPTED = "accepted", _("accepted")

    round = models.ForeignKey(
        ConfirmationRound,
        on_delete=models.CASCADE,
        related_name="returns",
        verbose_name=_("round"),
    )
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        related_name="confirmation_returns",
        verbose_name=_("member state"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.NOT_STARTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    objects = ReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["round", "member_state__name"]
        permissions = [("review_return", _("Can review and accept a return"))]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member_state"], name="registry_return_unique_state_per_round"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["submitted", "accepted"])
                | Q(submitted_by__isnull=False, submitted_at__isnull=False),
                name="registry_return_submitted_has_submitter",
            ),
        ]

    def __str__(self):
        return f"{self.member_state}, {self.round}"

    def get_absolute_url(self):
        return reverse("admin:registry_confirmationround_return", args=[self.pk])

    def natural_key(self):
        return (*self.round.natural_key(), *self.member_state.natural_key())

    natural_key.dependencies = ["registry.confirmationround", "registry.memberstate"]

    @property
    def is_editable(self):
        """The state may still change it: submitting freezes it until it is returned."""
        return self.status in (
            self.Status.NOT_STARTED,
            self.Status.IN_PROGRESS,
            self.Status.RETURNED,
        )

    def is_overdue(self, today=None):
        return self.status != self.Status.ACCEPTED and (
            (today or timezone.localdate()) > self.round.due_date
        )

    def records(self):
        """(member state, representatives in post, cities with their officers in post)."""
        state = MemberState.objects.with_national_representatives(sources=False).get(
            pk=self.member_state_id
        )
        cities = City.objects.filter(member_state=state).still_pilot_on(timezone.localdate())
        cities = cities.with_officers().order_by("name")
        return state, state.representatives_in_post, list(cities)


class ReturnItemQuerySet(models.QuerySet):
    def get_by_natural_key(self, round_title, member_state_code, record_key):
        return self.get(
            return_obj__round__title=round_title,
            return_obj__member_state__code=member_state_code,
            record_key=record_key,
        )


class ReturnItem(models.Model):
    """The state's answer about one record: confirmed, corrected, handed over or ended."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("confirm as correct")
        CORRECT = "correct", _("correct")
        HANDOVER = "handover", _("record a handover")
        END = "end", _("no longer in post")
        ADD = "add", _("add")

    class Decision(models.TextChoices):
        PENDING = "pending", _("pending")
        APPLIED = "applied", _("applied")
        CONFLICT = "conflict", _("refused: the record changed meanwhile")
        NOT_ACCEPTED = "declined", _("not accepted by the reviewer")

    return_obj = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="items", verbose_name=_("return")
    )
    # "memberstate:3", "city:12", "officer:40": the key the return page's forms use; an
    # addition, which has no record yet, is "add:1", "add:2"... and names where it adds (the
    # member state, or the city of a new CSCO).
    record_key = models.CharField(_("record"), max_length=40)
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member state"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("city"),
    )
    officer = models.ForeignKey(
        Officer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("officer"),
    )
    # The record's version when the state answered: a different one at acceptance means
    # staff changed the record meanwhile, and the answer is refused rather than applied over it.
    record_version = models.PositiveIntegerField(_("record version"))
    action = models.CharField(_("action"), max_length=10, choices=Action)
    proposed_values = models.JSONField(_("proposed values"), default=dict, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    source_note = models.TextField(_("source note"), blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    decision = models.CharField(
        _("reviewer's decision"), max_length=10, choices=Decision, default=Decision.PENDING
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    objects = ReturnItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("return item")
        verbose_name_plural = _("return items")
        ordering = ["return_obj", "record_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_obj", "record_key"], name="registry_returnitem_unique_record"
            ),
            models.CheckConstraint(
                condition=Q(member_state__isnull=False, city__isnull=True, officer__isnull=True)
                | Q(member_state__isnull=True, city__isnull=False, officer__isnull=True)
                | Q(member_state__isnull=True, city__isnull=True, officer__isnull=False),
                name="registry_returnitem_one_record",
            ),
            models.CheckConstraint(
                condition=~Q(action__in=["handover", "end"]) | Q(effective_date__isnull=False),
                name="registry_returnitem_dated_change_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.record}: {self.get_action_display()}"

    def natural_key(self):
        return (*self.return_obj.natural_key(), self.record_key)

    natural_key.dependencies = ["registry.return"]

    @property
    def record(self):
        return self.member_state or self.city or self.officer


# What the public pages and downloads say of a record's confirmations ------------------------

# Per kind of record: the ReturnItem field naming it, and the paths to its member state.
_CONFIRMED_RECORDS = {
    "memberstate": ("member_state", ["pk"]),
    "city": ("city", ["member_state"]),
    "officer": ("officer", ["city__member_state", "member_state"]),
}


def confirmation_annotations(model, today=None):
    """
    The latest accepted confirmation of each record, and the latest round it was due in and
    not confirmed in, as annotations of `model` (member state, city or officer): correlated
    subqueries, so a page costs the same queries whatever the number of rows.

    - `confirmed_at` (when the secretariat accepted it), `confirmed_by` (the member state's
      name) and `confirmed_in` (the round's title): the record's newest applied answer in an
      accepted return.
    - `unconfirmed_in`: the title of the newest round past its due date that covers the
      record's member state, holds no applied answer for the record, and was opened after the
      record was last verified (an acceptance sets last_verified, so a later confirmation or a
      staff check supersedes an earlier miss; a successor an acceptance creates is verified
      that day). None when there is no such round.
    """
    item_field, state_paths = _CONFIRMED_RECORDS[model._meta.model_name]
    today = today or timezone.localdate()
    # An addition names the record it adds to (the state, or the city of a new CSCO), which
    # it neither confirms nor corrects.
    answers = ReturnItem.objects.exclude(action=ReturnItem.Action.ADD)
    applied = answers.filter(
        **{item_field: OuterRef("pk")},
        decision=ReturnItem.Decision.APPLIED,
        return_obj__status=Return.Status.ACCEPTED,
    ).order_by("-return_obj__reviewed_at", "-pk")
    # The record's member state, seen from a subquery (Return) of a subquery (the round).
    paths = [OuterRef(OuterRef(path)) for path in state_paths]
    state = paths[0] if len(paths) == 1 else Coalesce(*paths, output_field=IntegerField())
    confirmed_in_round = answers.filter(
        **{item_field: OuterRef(OuterRef("pk"))},
        return_obj__round=OuterRef("pk"),
        decision=ReturnItem.Decision.APPLIED,
    )
    missed = (
        ConfirmationRound.objects.filter(due_date__lt=today)
        .filter(
            created__date__gt=Coalesce(OuterRef("last_verified"), Value(datetime.date.min)),
        )
        .filter(Exists(Return.objects.filter(round=OuterRef("pk"), member_state=state)))
        .filter(~Exists(confirmed_in_round))
        .order_by("-due_date", "-pk")
    )
    unconfirmed_in = Subquery(missed.values("title")[:1])
    if model is Officer:
        # Only a tenure still open is in a round: an ended one has nothing left to confirm.
        unconfirmed_in = Case(When(end_date__isnull=True, then=unconfirmed_in), default=None)
    return {
        "confirmed_at": Subquery(applied.values("return_obj__reviewed_at")[:1]),
        "confirmed_by": Subquery(applied.values("return_obj__member_state__name")[:1]),
        "confirmed_in": Subquery(applied.values("return_obj__round__title")[:1]),
        "unconfirmed_in": unconfirmed_in,
    }
