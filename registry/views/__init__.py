"""
The public, read-only site: thin class-based views over the QuerySets' read paths.

Every page answers conditional requests from the data version (ConditionalGetMixin), accepts
`?as_of=YYYY-MM-DD` (AsOfMixin), and runs a constant number of queries whatever the number of
rows: relations are fetched with select_related/prefetch_related, never per row.

By concern: base.py (conditional GET, page cache, as-of), lists.py, pages.py, data.py
(open-data documents), changes.py (the record of changes), corrections.py (suggestions from the public), errors.py.
"""

from .base import AsOfForm, AsOfMixin, ConditionalGetMixin, PublicPageMixin, current_network
from .changes import ChangeFeed, ChangeFeedView, ChangeListView
from .corrections import SuggestionCreateView, SuggestionsEnabledMixin, SuggestionThanksView
from .data import (
    DataCatalogueView,
    DataDocumentView,
    DataPackageView,
    DataView,
    PopoloView,
    RobotsView,
)
from .errors import bad_request, server_error
from .lists import (
    AgreementListView,
    CityListView,
    DownloadMixin,
    MemberStateListView,
    OfficerListView,
    RegistryListView,
    SourceListView,
)
from .pages import AgreementDetailView, CityDetailView, HomeView, MemberStateDetailView

__all__ = [
    "AgreementDetailView",
    "AgreementListView",
    "AsOfForm",
    "AsOfMixin",
    "ChangeFeed",
    "ChangeFeedView",
    "ChangeListView",
    "CityDetailView",
    "CityListView",
    "ConditionalGetMixin",
    "DataCatalogueView",
    "DataDocumentView",
    "DataPackageView",
    "DataView",
    "DownloadMixin",
    "HomeView",
    "MemberStateDetailView",
    "MemberStateListView",
    "OfficerListView",
    "PopoloView",
    "PublicPageMixin",
    "RegistryListView",
    "RobotsView",
    "SourceListView",
    "SuggestionCreateView",
    "SuggestionThanksView",
    "SuggestionsEnabledMixin",
    "bad_request",
    "current_network",
    "server_error",
]
