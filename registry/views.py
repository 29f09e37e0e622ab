"""
The public, read-only site: thin class-based views over the QuerySets' read paths.

Every page answers conditional requests from the data version (ConditionalGetMixin), accepts
`?as_of=YYYY-MM-DD` (AsOfMixin), and runs a constant number of queries whatever the number of
rows: relations are fetched with select_related/prefetch_related, never per row.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView

from . import caching, maps, popolo, suggestions
from .caching import per_version
from .date_input import IsoDateInput
from .expressions import count_rows
from .filters import AgreementFilter, CityFilter, MemberStateFilter, OfficerFilter, SourceFilter
from .models import Agreement, City, MemberState, Network, Officer, Source
from .pagination import PageCountPaginator
from .spreadsheets.downloads import export_response

# Conditional GET and the page cache ---------------------------------------------------------


class ConditionalGetMixin:
    """ETag and Last-Modified headers, and a 304 for unchanged data before any rendering."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        etag, last_modified = caching.registry_validators()
        with caching.answering(etag):
            response = get_conditional_response(
                request, etag=etag, last_modified=last_modified.timestamp()
            )
            if response is None:
                response = self.cached_or_rendered(request, etag, *args, **kwargs)
        # Errors are not cached: a 400 or 404 carries no validators to revalidate against.
        if response.status_code in (200, 304):
            response.headers.setdefault("ETag", etag)
            response.headers.setdefault("Last-Modified", http_date(last_modified.timestamp()))
            # Revalidate every time (cheap, thanks to the 304) rather than let browsers
            # guess a freshness lifetime from Last-Modified and show outdated facts.
            patch_cache_control(response, public=True, no_cache=True)
        return response

    def cached_or_rendered(self, request, etag, *args, **kwargs):
        """The page from the rendered-page cache, else rendered and kept there."""
        cached = caching.cached_page(request, etag)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = super().dispatch(request, *args, **kwargs)
        caching.keep_page(request, etag, response)
        return response


# Point in time ----------------------------------------------------------------------------


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=IsoDateInput,
        help_text=_("The network as it stood on this day (YYYY-MM-DD)."),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, for example 2018-07-08.")},
    )

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                _("%(day)s is in the future: the registry shows only past and present."),
                params={"day": day.isoformat()},
            )
        return day


class AsOfMixin:
    """
    `?as_of=YYYY-MM-DD` on every page. Lists show the field in their filter form; the other
    pages answer an invalid date with a 400 page that shows the field and its message.
    """

    # Read when a page is rendered, not before: a page answered from the page cache (whose
    # key holds the query string) or with a 304 has no use for the form.
    @cached_property
    def as_of_form(self):
        return AsOfForm(self.request.GET)

    @cached_property
    def as_of(self):
        return self.as_of_form.cleaned_data["as_of"] if self.as_of_form.is_valid() else None

    def get(self, request, *args, **kwargs):
        if not self.as_of_form.is_valid():
            return self.render_invalid_as_of()
        return super().get(request, *args, **kwargs)

    def render_invalid_as_of(self):
        return self.response_class(
            request=self.request,
            template="registry/invalid_as_of.html",
            context=self.page_context(),
            status=400,
        )

    def page_context(self):
        request = self.request
        without_as_of = request.GET.copy()
        without_as_of.pop("as_of", None)
        without_as_of.pop("page", None)
        return {
            "as_of": self.as_of,
            "as_of_form": self.as_of_form,
            "as_of_suffix": f"?as_of={self.as_of.isoformat()}" if self.as_of else "",
            "today_url": request.path + (f"?{without_as_of.urlencode()}" if without_as_of else ""),
            "canonical_url": request.build_absolute_uri(request.path),
            "network": self.get_network(),
        }

    def get_network(self):
        return per_version(
            "network", lambda: Network.objects.prefetch_related("sources").order_by("pk").first()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.page_context())
        return context


class PublicPageMixin(ConditionalGetMixin, AsOfMixin):
    pass


# Lists --------------------------------------------------------------------------------------


class DownloadMixin:
    """
    `?format=...` on a list: its filtered rows (all pages) as a file, in the staff export's
    columns (registry/spreadsheets/resources.py), so a download can be edited and imported back. JSON
    adds each record's canonical URL.
    """

    # Read by ascn.open_data: CORS for this list's `?format=` downloads.
    serves_downloads = True

    download_formats = ("csv", "json", "xlsx")
    download_name = ""

    def get_download_format(self):
        """The requested format, "" for the HTML page; self.format_error when unknown."""
        self.format_error = None
        name = self.request.GET.get("format", "")
        if name and name not in self.download_formats:
            self.format_error = _("Unknown format “%(name)s”. Choose one of: %(choices)s.") % {
                "name": name[:20],
                "choices": ", ".join(self.download_formats),
            }
        return name

    def render_download(self, name, queryset):
        filename = f"ascn-{self.download_name}"
        if self.as_of:
            filename += f"-{self.as_of.isoformat()}"
        # Every address is a path on this site: the scheme and host are worked out once,
        # not per row (a third of a download of 2,000 cities).
        origin = self.request.build_absolute_uri("/").removesuffix("/")
        return export_response(
            queryset,
            name,
            filename=f"{filename}.{name}",
            url_for=lambda obj: origin + obj.get_absolute_url(),
        )


class RegistryListView(PublicPageMixin, DownloadMixin, FilterView):
    """A filtered, paginated list; an invalid filter, date or format answers 400."""

    paginate_by = 50
    # The count rides on the page's query; an unfiltered list of a huge table shows an
    # estimated count instead of counting it all.
    paginator_class = PageCountPaginator

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # Always bound, so that the defaults in filter_queryset apply to the bare URL too.
        kwargs["data"] = self.request.GET
        kwargs["as_of"] = self.as_of
        return kwargs

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(self.get_filterset_class())
        download = self.get_download_format()
        self.invalid = (
            not self.filterset.is_valid()
            or not self.as_of_form.is_valid()
            or self.format_error is not None
        )
        if self.invalid:
            # Never the unfiltered list: no rows, and the messages next to the fields.
            self.object_list = self.filterset.queryset.none()
            context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
            return self.render_to_response(context, status=400)
        if download:
            return self.render_download(download, self.filterset.qs)
        self.object_list = self.filterset.qs
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        return self.render_to_response(context)

    def get_paginate_by(self, queryset):
        return None if self.invalid else self.paginate_by

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invalid"] = self.invalid
        context["format_error"] = self.format_error
        context["filtered"] = any(
            value for key, value in self.request.GET.items() if key not in ("page", "as_of")
        )
        return context


class MemberStateListView(RegistryListView):
    download_name = "member-states"
    filterset_class = MemberStateFilter
    template_name = "registry/memberstate_list.html"

    def get_queryset(self):
        return (
            MemberState.objects.with_city_counts(self.as_of)
            .order_by("name")
            # The list names the representatives; their sources are on the state's page.
            .with_national_representatives(self.as_of, sources=False)
            .with_sources()
        )


class CityListView(RegistryListView):
    download_name = "cities"
    filterset_class = CityFilter
    template_name = "registry/city_list.html"

    def get_queryset(self):
        cities = City.objects.with_state().with_officers(self.as_of).with_sources()
        return cities.pilot_on(self.as_of) if self.as_of else cities


class OfficerListView(RegistryListView):
    download_name = "officers"
    filterset_class = OfficerFilter
    template_name = "registry/officer_list.html"

    def get_queryset(self):
        # Which tenures (current, on a day, or all) is OfficerFilter's `current`.
        return Officer.objects.with_posts().with_sources().with_in_post_as_of()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = getattr(self.filterset.form, "cleaned_data", {})
        context["all_tenures"] = data.get("current") == OfficerFilter.CURRENT_ALL
        return context


class AgreementListView(RegistryListView):
    download_name = "agreements"
    filterset_class = AgreementFilter
    template_name = "registry/agreement_list.html"

    def get_queryset(self):
        agreements = Agreement.objects.with_parties().with_sources()
        return agreements.signed_by(self.as_of) if self.as_of else agreements


class SourceListView(RegistryListView):
    download_name = "sources"
    filterset_class = SourceFilter
    template_name = "registry/source_list.html"

    def get_queryset(self):
        return Source.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sources = context["object_list"]
        ids = [source.pk for source in sources]
        supported = Source.objects.filter(pk__in=ids).supported_records(self.as_of) if ids else {}
        for source in sources:
            source.supports = supported.get(source.pk, {})
        return context


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
        return MemberState.objects.with_national_representatives(self.as_of).with_sources()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cities = self.object.cities.with_officers(self.as_of).with_sources().order_by("name")
        if self.as_of:
            cities = cities.pilot_on(self.as_of)
        cities = list(cities)
        context.update(
            cities=cities,
            map=maps.build_map(cities),
            map_title=_("Map of the pilot cities of %(state)s") % {"state": self.object.name},
        )
        return context


class CityDetailView(PublicPageMixin, DetailView):
    template_name = "registry/city_detail.html"

    def get_queryset(self):
        return City.objects.with_state().with_sources()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        city = self.object
        day = self.as_of or timezone.localdate()
        tenures = city.officers.with_sources().with_in_post_as_of().order_by("start_date", "name")
        in_post = tenures.in_post_on(day) if self.as_of else tenures.current()
        past = tenures.filter(end_date__lt=day)
        context.update(
            officers_in_post=list(in_post),
            past_officers=list(past.order_by("-end_date", "name")),
            not_yet_pilot=bool(city.pilot_since and self.as_of and city.pilot_since > day),
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


# Open data ----------------------------------------------------------------------------------


class PopoloView(ConditionalGetMixin, View):
    """The whole registry in the Popolo standard (README: "Popolo JSON")."""

    def get(self, request):
        response = JsonResponse(
            popolo.build(request.build_absolute_uri("/")),
            json_dumps_params={"ensure_ascii": False, "indent": 1},
        )
        response["Content-Disposition"] = 'inline; filename="ascn-registry-popolo.json"'
        return response


# Corrections from the public ----------------------------------------------------------------


class SuggestionsEnabledMixin:
    """404 unless DJANGO_SUGGESTIONS_ENABLED; never cached (the form holds a CSRF token)."""

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        if not settings.SUGGESTIONS_ENABLED:
            raise Http404(_("This site does not take suggestions."))
        return super().dispatch(request, *args, **kwargs)


class SuggestionCreateView(SuggestionsEnabledMixin, FormView):
    """ "Suggest a correction" for one record (README "Corrections from the public")."""

    form_class = suggestions.SuggestionForm
    template_name = "registry/suggestion_form.html"

    @cached_property
    def found(self):
        found = suggestions.find_record(self.kwargs["kind"], self.kwargs["key"])
        if found is None:
            raise Http404(_("The registry has no such record."))
        return found

    def post(self, request, *args, **kwargs):
        self.rate_limit = suggestions.RateLimit(request)
        if self.rate_limit.exceeded():
            return self.render_to_response(self.get_context_data(rate_limited=True), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.rate_limit.count()
        if not form.is_bot:  # a bot gets the same thanks, and nothing is kept or sent
            suggestions.keep(form, self.found, self.request)
        return HttpResponseRedirect(reverse("registry:suggestion-thanks"))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        record = self.found[1]
        return super().get_context_data(
            record=record, record_kind=record._meta.verbose_name, **kwargs
        )


class SuggestionThanksView(SuggestionsEnabledMixin, TemplateView):
    template_name = "registry/suggestion_thanks.html"


class RobotsView(TemplateView):
    """robots.txt: every public page may be crawled, the staff admin not; where the
    sitemap is."""

    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["admin_path"] = "/" + settings.ADMIN_URL
        context["sitemap_url"] = self.request.build_absolute_uri(reverse("sitemap"))
        return context
