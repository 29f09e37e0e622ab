"""
The registry described as linked data (JSON-LD): the DCAT catalogue that data portals harvest
(/data/catalog.jsonld, with DCAT-AP's mandatory and recommended properties), and the schema.org
blocks search engines read in the pages (DataCatalog and Dataset on /data/, Place on a city's
page, GovernmentOrganization on a member state's).

The DCAT document carries its own @context, so a harvester needs nothing from the network to
expand it; the schema.org blocks name https://schema.org as theirs, as search engines expect.
"""

from django.conf import settings
from django.urls import reverse

from .caching import per_version
from .datasets import download_url, registry_modified
from .models import MemberState
from .open_data import DEFAULT_PUBLISHER, DOWNLOAD_TYPES, REGISTRY_TITLE, data_licence

REGISTRY_DESCRIPTION = (
    "The open registry of the ASEAN Smart Cities Network: member states, pilot cities, "
    "officers, agreements and the sources of every fact."
)
KEYWORDS = ("ASEAN", "smart cities", "ASEAN Smart Cities Network", "pilot cities", "officers")

# EU vocabularies that DCAT-AP names for formats, themes, languages and places.
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
FILE_TYPES = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON"}
THEME_GOVERNMENT = EU_AUTHORITY + "data-theme/GOVE"
LANGUAGE_ENGLISH = EU_AUTHORITY + "language/ENG"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct:modified": {"@type": "xsd:dateTime"},
    "dct:issued": {"@type": "xsd:dateTime"},
}


def member_state_codes():
    """The member states' ISO 3166-1 alpha-3 codes, once per data version."""
    return per_version(
        "member-state-alpha3",
        lambda: list(
            MemberState.objects.order_by("code_alpha3").values_list("code_alpha3", flat=True)
        ),
    )


def ref(url):
    return {"@id": url}


def dcat_distribution(absolute, dataset, file_format, modified, licence, access_url):
    media_type = DOWNLOAD_TYPES[file_format][0]
    url = download_url(absolute, dataset, file_format)
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": f"{dataset.title} ({DOWNLOAD_TYPES[file_format][1]})",
        "dcat:accessURL": ref(access_url),
        "dcat:downloadURL": ref(url),
        "dct:format": ref(EU_AUTHORITY + "file-type/" + FILE_TYPES[file_format]),
        "dcat:mediaType": ref(IANA_MEDIA_TYPES + media_type),
        "dct:license": ref(licence["url"]),
        "dct:modified": modified.isoformat(),
    }


def dcat_catalogue(states, absolute, publisher=""):
    """The DCAT catalogue (JSON-LD) of every dataset; `absolute(path)` gives absolute URLs."""
    licence = data_licence()
    home = absolute(reverse("registry:home"))
    data_page = absolute(reverse("registry:data"))
    agent = {
        "@id": home + "#publisher",
        "@type": "foaf:Agent",
        "foaf:name": publisher or DEFAULT_PUBLISHER,
    }
    spatial = [ref(EU_AUTHORITY + "country/" + code) for code in member_state_codes()]
    common = {
        "dct:publisher": ref(agent["@id"]),
        "dcat:theme": ref(THEME_GOVERNMENT),
        "dcat:keyword": list(KEYWORDS),
        "dct:spatial": spatial,
        "dct:language": ref(LANGUAGE_ENGLISH),
        "dct:license": ref(licence["url"]),
    }
    if settings.DATA_CONTACT_EMAIL:
        common["dcat:contactPoint"] = {
            "@type": "vcard:Organization",
            "vcard:fn": publisher or DEFAULT_PUBLISHER,
            "vcard:hasEmail": ref("mailto:" + settings.DATA_CONTACT_EMAIL),
        }
    datasets = []
    for state in states:
        dataset = state.dataset
        page = absolute(reverse(f"registry:{dataset.url_name}"))
        record = {
            "@id": page,
            "@type": "dcat:Dataset",
            "dct:title": dataset.title,
            "dct:description": dataset.description,
            "dcat:landingPage": ref(page),
            "dct:modified": state.modified.isoformat(),
            **common,
            "dcat:distribution": [
                dcat_distribution(absolute, dataset, name, state.modified, licence, page)
                for name in DOWNLOAD_TYPES
            ],
        }
        if state.issued:
            record["dct:issued"] = state.issued.isoformat()
        datasets.append(record)
    modified = registry_modified(states).isoformat()
    whole = {
        "@id": home,
        "@type": "dcat:Dataset",
        "dct:title": REGISTRY_TITLE,
        "dct:description": REGISTRY_DESCRIPTION + " The whole registry in one file.",
        "dcat:landingPage": ref(data_page),
        "dct:modified": modified,
        **common,
        "dcat:distribution": [
            whole_distribution(
                absolute(reverse("registry:popolo")), "Popolo JSON", data_page, modified, licence
            ),
            whole_distribution(
                absolute(reverse("registry:data-package")),
                "Frictionless Data Package",
                data_page,
                modified,
                licence,
            ),
        ],
    }
    return {
        "@context": DCAT_CONTEXT,
        "@id": absolute(reverse("registry:data-catalogue")),
        "@type": "dcat:Catalog",
        "dct:title": REGISTRY_TITLE,
        "dct:description": REGISTRY_DESCRIPTION,
        "dct:publisher": agent,
        "foaf:homepage": ref(home),
        "dct:license": ref(licence["url"]),
        "dct:language": ref(LANGUAGE_ENGLISH),
        "dct:spatial": spatial,
        "dcat:themeTaxonomy": ref(EU_AUTHORITY + "data-theme"),
        "dct:modified": modified,
        "dcat:dataset": [whole, *datasets],
    }


def whole_distribution(url, title, access_url, modified, licence):
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": title,
        "dcat:accessURL": ref(access_url),
        "dcat:downloadURL": ref(url),
        "dct:format": ref(EU_AUTHORITY + "file-type/JSON"),
        "dcat:mediaType": ref(IANA_MEDIA_TYPES + "application/json"),
        "dct:license": ref(licence["url"]),
        "dct:modified": modified,
    }


# schema.org ---------------------------------------------------------------------------------


def organisation(publisher):
    return {"@type": "Organization", "name": publisher or DEFAULT_PUBLISHER}


def schema_data_catalogue(states, absolute, publisher=""):
    """schema.org DataCatalog of the datasets, each a Dataset with its downloads."""
    licence = data_licence()["url"]
    datasets = []
    for state in states:
        dataset = state.dataset
        datasets.append(
            {
                "@type": "Dataset",
                "name": f"{REGISTRY_TITLE}: {dataset.title}",
                "description": dataset.description,
                "url": absolute(reverse(f"registry:{dataset.url_name}")),
                "license": licence,
                "isAccessibleForFree": True,
                "creator": organisation(publisher),
                "keywords": list(KEYWORDS),
                "dateModified": state.modified.isoformat(),
                "variableMeasured": [column.name for column in state.columns],
                "distribution": [
                    {
                        "@type": "DataDownload",
                        "encodingFormat": DOWNLOAD_TYPES[name][0],
                        "contentUrl": download_url(absolute, dataset, name),
                    }
                    for name in DOWNLOAD_TYPES
                ],
            }
        )
    return {
        "@context": "https://schema.org",
        "@type": "DataCatalog",
        "name": REGISTRY_TITLE,
        "description": REGISTRY_DESCRIPTION,
        "url": absolute(reverse("registry:data")),
        "license": licence,
        "publisher": organisation(publisher),
        "dateModified": registry_modified(states).isoformat(),
        "dataset": datasets,
    }


def schema_place(city, absolute):
    """schema.org Place of a pilot city, with its coordinates when they are known."""
    place = {
        "@context": "https://schema.org",
        "@type": "Place",
        "name": city.name,
        "url": absolute(city.get_absolute_url()),
        "containedInPlace": {
            "@type": "Country",
            "name": city.member_state.name,
            "url": absolute(city.member_state.get_absolute_url()),
        },
    }
    if city.latitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(city.latitude),
            "longitude": float(city.longitude),
        }
    return place


def schema_government(state, absolute):
    """schema.org GovernmentOrganization of a member state, the country it serves."""
    return {
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "name": f"Government of {state.name}",
        "url": absolute(state.get_absolute_url()),
        "identifier": state.code,
        "areaServed": {"@type": "Country", "name": state.name, "identifier": state.code_alpha3},
    }
