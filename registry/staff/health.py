"""
Data health: records that need the secretariat's attention (the admin's data health page).

Not the service's /healthz liveness check (ascn/middleware.py): these check the registry's
records, not whether the site is up.

Each check is a queryset from the models' QuerySets; the index shows their counts (one COUNT
each, whatever the size of the registry) and the page lists the first records of each.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Agreement, City, MemberState, Network, Officer, Organisation

# The page lists at most this many records per check; the count says how many there are.
LISTED_PER_CHECK = 100


@dataclass
class Check:
    title: str
    explanation: str
    queryset: QuerySet

    @property
    def model(self):
        return self.queryset.model

    @property
    def model_meta(self):
        return self.model._meta

    @property
    def label(self):
        return f"{self.title}: {self.model._meta.verbose_name_plural}"

    @property
    def slug(self):
        return f"{self.title}-{self.model._meta.model_name}".lower().replace(" ", "-")


def checks(today=None):
    today = today or timezone.localdate()
    review = _("Past their review date")
    review_help = _("Never verified, or last verified more than two years ago.")
    return [
        *(
            Check(review, review_help, queryset)
            for queryset in (
                Network.objects.stale(today),
                MemberState.objects.stale(today),
                City.objects.with_state().stale(today),
                Officer.objects.with_posts().stale(today),
                Agreement.objects.stale(today),
                Organisation.objects.stale(today),
            )
        ),
        *(
            Check(
                _("Not confirmed"),
                _(
                    "Not confirmed in the latest confirmation round past its due date that "
                    "covered them, and not verified since it opened."
                ),
                queryset,
            )
            for queryset in (
                MemberState.objects.unconfirmed(today),
                City.objects.with_state().unconfirmed(today),
                Officer.objects.with_posts().unconfirmed(today),
            )
        ),
        Check(
            _("Without a current CSCO"),
            _("Cities that no Chief Smart City Officer currently serves."),
            City.objects.with_state().without_current_csco(),
        ),
        Check(
            _("Citing no source"),
            _("Officers that no source supports."),
            Officer.objects.with_posts().without_sources(),
        ),
        Check(
            _("Citing no source"),
            _("Agreements that no source supports."),
            Agreement.objects.without_sources(),
        ),
        Check(
            _("Without coordinates"),
            _("Cities that cannot be placed on the map."),
            City.objects.with_state().without_coordinates(),
        ),
    ]


def summary(today=None):
    """Each check with its count: one COUNT query per check."""
    return [(check, check.queryset.count()) for check in checks(today)]
