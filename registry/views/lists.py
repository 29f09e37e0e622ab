"""The public lists, each with its filters and its downloads (`?format=`)."""

from django.http import (
    Http404,
)
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView

from .. import (
    pagination,
)
from ..filters import AgreementFilter, CityFilter, MemberStateFilter, OfficerFilter, SourceFilter
from ..models import Agreement, City, MemberState, Officer, Source
from ..pagination import PageCountPaginator
from ..spreadsheets.downloads import export_response
from .base import PublicPageMixin

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
        states = (
            MemberState.objects.with_city_counts(self.as_of)
            .order_by("name")
            # The list names the representatives; their sources are on the state's page.
            .with_national_representatives(self.as_of, sources=False)
            .with_sources()
        )
        # Confirmations are today's facts; a list of another day claims none.
        return states if self.as_of else states.with_confirmation()


class CityListView(RegistryListView):
    download_name = "cities"
    filterset_class = CityFilter
    template_name = "registry/city_list.html"

    def get_queryset(self):
        cities = City.objects.with_state().with_officers(self.as_of).with_sources()
        return cities.pilot_on(self.as_of) if self.as_of else cities.with_confirmation()


class OfficerListView(RegistryListView):
    download_name = "officers"
    filterset_class = OfficerFilter
    template_name = "registry/officer_list.html"

    def get_queryset(self):
        # Which tenures (current, on a day, or all) is OfficerFilter's `current`.
        officers = Officer.objects.with_posts().with_sources().with_in_post_as_of()
        return officers if self.as_of else officers.with_confirmation()

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
