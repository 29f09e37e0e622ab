"""
What search engines and harvesters read to find the registry: sitemap.xml and robots.txt.

A page's `lastmod` is the last change the change history (django-simple-history) records
for what the page shows: a city's page changes with the city and its officers, a member
state's with the state, its cities and their officers. A record with no history (loaded from
a fixture or a backup, which write none) takes the registry's last change instead
(DataVersion.changed_at), which is never earlier than the record's own.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property

from .models import (
    Agreement,
    City,
    DataVersion,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
)


def last_changes(model, key="id", **filters):
    """{key value: time of the last change} from `model`'s history table, in one query."""
    rows = (
        model.history.model.objects.filter(**filters)
        .values(key)
        .annotate(last=Max("history_date"))
        .values_list(key, "last")
    )
    return dict(rows)


def latest(*times):
    """The latest of the times given that are known, or None."""
    known = [time for time in times if time is not None]
    return max(known) if known else None


class HistorySitemap(Sitemap):
    """One URL per record, with lastmod from the change history (see the module)."""

    model = None

    def items(self):
        return self.model.objects.only("pk", "slug").order_by("slug")

    @cached_property
    def registry_changed_at(self):
        return DataVersion.current().changed_at

    @cached_property
    def changes(self):
        """{pk: time of the last change of what the record's page shows}."""
        return last_changes(self.model)

    def lastmod(self, item):
        return self.changes.get(item.pk) or self.registry_changed_at


class MemberStateSitemap(HistorySitemap):
    model = MemberState

    @cached_property
    def changes(self):
        changes = last_changes(MemberState)
        city_changes = CitySitemap().changes
        for city_id, state_id in City.objects.values_list("pk", "member_state_id"):
            changes[state_id] = latest(changes.get(state_id), city_changes.get(city_id))
        # National Representatives belong to the state itself.
        for state_id, time in last_changes(
            Officer, key="member_state_id", member_state_id__isnull=False
        ).items():
            changes[state_id] = latest(changes.get(state_id), time)
        return changes


class CitySitemap(HistorySitemap):
    model = City

    @cached_property
    def changes(self):
        changes = last_changes(City)
        for city_id, time in last_changes(Officer, key="city_id", city_id__isnull=False).items():
            changes[city_id] = latest(changes.get(city_id), time)
        return changes


class AgreementSitemap(HistorySitemap):
    model = Agreement


class ListPageSitemap(Sitemap):
    """The home page and the lists, each last changed when any record it lists was."""

    # URL name -> the models whose records the page lists; the home page shows them all.
    pages = {
        "home": (),
        "member-state-list": (MemberState, City, Officer),
        "city-list": (City, Officer),
        "officer-list": (Officer,),
        "agreement-list": (Agreement, Organisation),
        "source-list": (Source,),
        "change-list": (MemberState, City, Officer, Agreement, Organisation, Network, Source),
        # The data page describes every table (like the home page).
        "data": (),
    }

    def items(self):
        return list(self.pages)

    def location(self, item):
        return reverse(f"registry:{item}")

    @cached_property
    def registry_changed_at(self):
        return DataVersion.current().changed_at

    @cached_property
    def model_changes(self):
        """{model: time of its last recorded change}, one query per model."""
        models = {model for listed in self.pages.values() for model in listed}
        return {
            model: model.history.model.objects.aggregate(last=Max("history_date"))["last"]
            for model in models
        }

    def lastmod(self, item):
        times = (self.model_changes[model] for model in self.pages[item])
        return latest(*times) or self.registry_changed_at


SITEMAPS = {
    "pages": ListPageSitemap,
    "member-states": MemberStateSitemap,
    "cities": CitySitemap,
    "agreements": AgreementSitemap,
}
