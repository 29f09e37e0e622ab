"""
The public, read-only site: thin class-based views over the QuerySets' read paths.

Every page answers conditional requests from the data version (ConditionalGetMixin), accepts
`?as_of=YYYY-MM-DD` (AsOfMixin), and runs a constant number of queries whatever the number of
rows: relations are fetched with select_related/prefetch_related, never per row.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.template.response import TemplateResponse
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

from . import (
    caching,
    datapackage,
    datasets,
    linked_data,
    maps,
    open_data,
    pagination,
    popolo,
    suggestions,
)
from .caching import per_version
from .date_input import IsoDateField, IsoDateInput
from .expressions import count_rows
from .filters import AgreementFilter, CityFilter, MemberStateFilter, OfficerFilter, SourceFilter
from .models import Agreement, City, MemberState, Network, Officer, Source
from .pagination import PageCountPaginator
from .spreadsheets.downloads import export_response

# Conditional GET and the page cache ---------------------------------------------------------


class ConditionalGetMixin:
    """
    ETag and Last-Modified headers, and a 304 for unchanged data before any rendering.

    The page reads only its known query parameters (get_known_parameters()): any other is
    dropped from request.GET before the page is looked up in the cache or rendered, so that
    `?junk=1` is the same page, from the same cache entry (README: "Speed and caching").
    """

    known_parameters = ()

    def get_known_parameters(self):
        return self.known_parameters

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        request.GET = caching.known_query(request.GET, self.get_known_parameters())
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
            status, headers, content = cached
            return HttpResponse(content, status=status, headers=dict(headers))
        response = super().dispatch(request, *args, **kwargs)
        caching.keep_page(request, etag, response)
        return response


# Point in time ----------------------------------------------------------------------------


class AsOfForm(forms.Form):
    as_of = IsoDateField(
        label=_("As of"),
        required=False,
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


def current_network():
    return per_version(
        "network", lambda: Network.objects.prefetch_related("sources").order_by("pk").first()
    )


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
        return current_network()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.page_context())
        return context


class PublicPageMixin(ConditionalGetMixin, AsOfMixin):
    known_parameters = ("as_of",)


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

    def get_known_parameters(self):
        return (*self.filterset_class.base_filters, self.page_kwarg, "as_of", "format")

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

    def paginate_queryset(self, queryset, page_size):
        page = self.request.GET.get("page") or "1"
        if not pagination.is_page_number(page):
            raise Http404(
                _("There is no page “%(page)s”: pages are numbered 1, 2, 3 and so on.")
                % {"page": page[:20]}
            )
        return super().paginate_queryset(queryset, page_size)

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
            json_ld=linked_data.schema_government(self.object, self.request.build_absolute_uri),
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
            json_ld=linked_data.schema_place(city, self.request.build_absolute_uri),
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


class DataView(PublicPageMixin, TemplateView):
    """/data/: every dataset, its files, when it changed and its columns (datasets.py)."""

    template_name = "registry/data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        states = datasets.dataset_states()
        publisher = getattr(context["network"], "name", "")
        absolute = self.request.build_absolute_uri
        context["datasets"] = datasets.page_entries(states, absolute, publisher)
        context["registry_modified"] = datasets.registry_modified(states)
        context["json_ld"] = linked_data.schema_data_catalogue(states, absolute, publisher)
        return context


class DataDocumentView(ConditionalGetMixin, View):
    """A JSON description of every dataset, built by `build(states, absolute, publisher)`."""

    build = None
    content_type = "application/json"
    filename = ""

    def get(self, request):
        document = type(self).build(
            datasets.dataset_states(),
            request.build_absolute_uri,
            getattr(current_network(), "name", ""),
        )
        response = JsonResponse(
            document, content_type=self.content_type, json_dumps_params={"indent": 1}
        )
        response["Content-Disposition"] = f'inline; filename="{self.filename}"'
        return response


class DataPackageView(DataDocumentView):
    build = datapackage.build
    filename = "datapackage.json"


class DataCatalogueView(DataDocumentView):
    build = linked_data.dcat_catalogue
    content_type = "application/ld+json"
    filename = "catalog.jsonld"


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


# Errors -------------------------------------------------------------------------------------


def bad_request(request, exception):
    """
    The 400 page, in the site's frame, saying what was wrong when the code that refused the
    request said it (BadRequest); other refusals (a malformed header or query string, too
    many parameters) get a general sentence, as their details are not for the public.
    """
    message = str(exception) if type(exception) is BadRequest and str(exception) else ""
    return TemplateResponse(request, "400.html", {"message": message}, status=400)


def server_error(request):
    """
    The 500 page in the site's frame (ascn.urls.handler500). Rendered with a minimal context
    and without the context processors, which may need the database that has just failed.
    """
    context = {"request": request, "data_licence": open_data.data_licence()}
    body = loader.get_template("500.html").render(context)
    return HttpResponseServerError(body)
