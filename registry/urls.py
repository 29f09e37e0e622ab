import unicodedata

from django.core.exceptions import ValidationError
from django.urls import path, register_converter

from . import views
from .identifiers import validate_registry_slug


class RegistrySlugConverter:
    """A record's slug in any script (models.base.RegistrySlugField). The path is matched
    decoded; a slug typed decomposed (NFD) finds its record's page, anything else that is not
    a slug is a 404."""

    regex = "[^/]+"

    def to_python(self, value):
        value = unicodedata.normalize("NFC", value)
        try:
            validate_registry_slug(value)
        except ValidationError as error:
            raise ValueError(value) from error
        return value

    def to_url(self, value):
        # reverse() percent-encodes the UTF-8 of what is not ASCII (iri_to_uri).
        return value


register_converter(RegistrySlugConverter, "registry_slug")

app_name = "registry"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("member-states/", views.MemberStateListView.as_view(), name="member-state-list"),
    path(
        "member-states/<registry_slug:slug>/",
        views.MemberStateDetailView.as_view(),
        name="member-state-detail",
    ),
    path("cities/", views.CityListView.as_view(), name="city-list"),
    path("cities/<registry_slug:slug>/", views.CityDetailView.as_view(), name="city-detail"),
    path("officers/", views.OfficerListView.as_view(), name="officer-list"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement-list"),
    path(
        "agreements/<registry_slug:slug>/",
        views.AgreementDetailView.as_view(),
        name="agreement-detail",
    ),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("changes/", views.ChangeListView.as_view(), name="change-list"),
    path("changes/feed/", views.ChangeFeedView.as_view(), name="change-feed"),
    path("data/", views.DataView.as_view(), name="data"),
    path("data/datapackage.json", views.DataPackageView.as_view(), name="data-package"),
    path("data/catalog.jsonld", views.DataCatalogueView.as_view(), name="data-catalogue"),
    path(
        "suggest/<slug:kind>/<str:key>/",
        views.SuggestionCreateView.as_view(),
        name="suggestion-create",
    ),
    path("suggest/thanks/", views.SuggestionThanksView.as_view(), name="suggestion-thanks"),
    path("data/popolo.json", views.PopoloView.as_view(), name="popolo"),
]
