"""
A compatibility alias: the registry's resources and downloads under their old dotted path.

`manage.py import registry.resources.CityResource ...` and `from registry.resources import
export_bytes` keep working. The canonical homes are registry.spreadsheets.resources (the seven
resources), registry.spreadsheets.officers (OfficerResource) and registry.spreadsheets.downloads
(export_bytes, export_response); new code imports from there.
"""

from .spreadsheets.downloads import export_bytes, export_response
from .spreadsheets.resources import (
    RESOURCES,
    AgreementResource,
    CityResource,
    MemberStateResource,
    NetworkResource,
    OfficerResource,
    OrganisationResource,
    SourceResource,
)

__all__ = [
    "RESOURCES",
    "AgreementResource",
    "CityResource",
    "MemberStateResource",
    "NetworkResource",
    "OfficerResource",
    "OrganisationResource",
    "SourceResource",
    "export_bytes",
    "export_response",
]
