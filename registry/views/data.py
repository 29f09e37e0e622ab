"""The open-data documents: Popolo, the data page, the Data Package, the DCAT catalogue, robots.txt."""

from django.conf import settings
from django.http import (
    JsonResponse,
)
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from .. import (
    datapackage,
    datasets,
    linked_data,
    popolo,
)
from ..identifiers import content_disposition_header
from .base import ConditionalGetMixin, PublicPageMixin, current_network

# Open data ----------------------------------------------------------------------------------


class PopoloView(ConditionalGetMixin, View):
    """The whole registry in the Popolo standard (README: "Popolo JSON")."""

    def get(self, request):
        response = JsonResponse(
            popolo.build(request.build_absolute_uri("/")),
            json_dumps_params={"ensure_ascii": False, "indent": 1},
        )
        response["Content-Disposition"] = content_disposition_header(
            "inline", "ascn-registry-popolo.json"
        )
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
        response["Content-Disposition"] = content_disposition_header("inline", self.filename)
        return response


class DataPackageView(DataDocumentView):
    build = datapackage.build
    filename = "datapackage.json"


class DataCatalogueView(DataDocumentView):
    build = linked_data.dcat_catalogue
    content_type = "application/ld+json"
    filename = "catalog.jsonld"


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
