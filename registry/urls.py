from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("member-states/", views.MemberStateListView.as_view(), name="member-state-list"),
    path(
        "member-states/<slug:slug>/",
        views.MemberStateDetailView.as_view(),
        name="member-state-detail",
    ),
    path("cities/", views.CityListView.as_view(), name="city-list"),
    path("cities/<slug:slug>/", views.CityDetailView.as_view(), name="city-detail"),
    path("officers/", views.OfficerListView.as_view(), name="officer-list"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement-list"),
    path("agreements/<slug:slug>/", views.AgreementDetailView.as_view(), name="agreement-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
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
