"""The home page and each record's page."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView

from .. import (
    linked_data,
    maps,
)
from ..expressions import count_rows
from ..models import Agreement, City, MemberState, Officer
from .base import PublicPageMixin

# Pages --------------------------------------------------------------------------------------


class HomeView(PublicPageMixin, TemplateView):
    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = self.as_of
        cities = City.objects.with_state().order_by("name")
        officers = Officer.objects.all()
        agreements = Agreement.objects.all()
        if day:
            cities = cities.pilot_on(day)
            officers = officers.in_post_on(day)
            agreements = agreements.signed_by(day)
        else:
            officers = officers.current()
        cities = list(cities)
        counts = count_rows(
            member_states=MemberState.objects.all(), officers=officers, agreements=agreements
        )
        context.update(
            cities=cities,
            map=maps.build_map(cities),
            counts={**counts, "cities": len(cities)},
        )
        return context


class MemberStateDetailView(PublicPageMixin, DetailView):
    template_name = "registry/memberstate_detail.html"

    def get_queryset(self):
        states = MemberState.objects.with_national_representatives(self.as_of).with_sources()
        # Confirmations are today's facts; a page of another day claims none.
        return states if self.as_of else states.with_confirmation()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cities = self.object.cities.with_officers(self.as_of).with_sources().order_by("name")
        if self.as_of:
            cities = cities.pilot_on(self.as_of)
        cities = list(cities)
        context.update(
            json_ld=linked_data.schema_government(self.object, self.request.build_absolute_uri),
            cities=cities,
            map=maps.build_map(cities),
            map_title=_("Map of the pilot cities of %(state)s") % {"state": self.object.name},
        )
        return context


class CityDetailView(PublicPageMixin, DetailView):
    template_name = "registry/city_detail.html"

    def get_queryset(self):
        cities = City.objects.with_state().with_sources()
        return cities if self.as_of else cities.with_confirmation()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        city = self.object
        day = self.as_of or timezone.localdate()
        tenures = city.officers.with_sources().with_in_post_as_of().order_by("start_date", "name")
        in_post = tenures.in_post_on(day) if self.as_of else tenures.current().with_confirmation()
        past = tenures.filter(end_date__lt=day)
        context.update(
            json_ld=linked_data.schema_place(city, self.request.build_absolute_uri),
            officers_in_post=list(in_post),
            past_officers=list(past.order_by("-end_date", "name")),
            not_yet_pilot=bool(city.pilot_since and self.as_of and city.pilot_since > day),
            no_longer_pilot=city.is_former_pilot(day),
            map=self.city_map(city),
            map_title=_("Map of %(city)s and nearby pilot cities") % {"city": city.name},
            map_id="city-map",
        )
        return context

    def city_map(self, city):
        if city.latitude is None:
            return None
        pad = Decimal(str(maps.FOCUS_PADDING_DEGREES))
        nearby = City.objects.filter(
            latitude__range=(city.latitude - pad, city.latitude + pad),
            longitude__range=(city.longitude - pad, city.longitude + pad),
        )
        if self.as_of:
            nearby = nearby.pilot_on(self.as_of)
        nearby = [c for c in nearby.only("name", "slug", "latitude", "longitude") if c != city]
        return maps.build_map([*nearby, city], highlight=city, focus=city)


class AgreementDetailView(PublicPageMixin, DetailView):
    template_name = "registry/agreement_detail.html"

    def get_queryset(self):
        return Agreement.objects.with_parties().with_sources()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        date = self.object.date
        context["not_yet_signed"] = bool(self.as_of and date and date > self.as_of)
        return context
