"""The registry's models, re-exported so that `registry.models.X` names each one."""

# isort: off
# In the order the models were declared when they shared one module: Django registers them
# as they are imported, and that order is the order of the tables in dumpdata and backups.
from .sources import Source, SourceQuerySet
from .organisations import Organisation, OrganisationQuerySet
from .places import City, CityQuerySet, MemberState, MemberStateQuerySet, Network, NetworkQuerySet
from .people import Officer, OfficerQuerySet
from .agreements import Agreement, AgreementQuerySet
from .editors import MemberStateEditor, MemberStateEditorQuerySet
from .data_version import (
    REGISTRY_VERSION,
    STARTED_AT,
    DataVersion,
    DataVersionQuerySet,
    first_statement_checks_connection,
    touch_registry,
)
from .suggestions import Suggestion, SuggestionQuerySet

from .rounds import ConfirmationRound, Return, ReturnItem

# isort: on
from ..expressions import InSubquery
from .base import (
    REGISTRY_PERMISSIONS,
    STALE_AFTER,
    DatePrecision,
    Verifiable,
    VerifiableQuerySet,
    Versioned,
)

__all__ = [
    "REGISTRY_PERMISSIONS",
    "REGISTRY_VERSION",
    "STALE_AFTER",
    "STARTED_AT",
    "Agreement",
    "AgreementQuerySet",
    "City",
    "ConfirmationRound",
    "CityQuerySet",
    "DataVersion",
    "DataVersionQuerySet",
    "DatePrecision",
    "InSubquery",
    "MemberState",
    "MemberStateEditor",
    "MemberStateEditorQuerySet",
    "MemberStateQuerySet",
    "Network",
    "NetworkQuerySet",
    "Officer",
    "OfficerQuerySet",
    "Organisation",
    "Return",
    "ReturnItem",
    "OrganisationQuerySet",
    "Source",
    "SourceQuerySet",
    "Suggestion",
    "SuggestionQuerySet",
    "Verifiable",
    "VerifiableQuerySet",
    "Versioned",
    "first_statement_checks_connection",
    "touch_registry",
]
