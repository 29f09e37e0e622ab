"""The DCAT catalogue and the schema.org blocks: every JSON-LD document expands (pyld) and
holds the properties DCAT-AP and schema.org require."""

import json
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from pyld import jsonld

from registry import datasets
from registry.models import City, MemberState
from tests import factories

pytestmark = pytest.mark.django_db

SCHEMA = "http://schema.org/"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
RDF_TYPE = "@type"

# schema.org's own context maps every term into its vocabulary; tests read no network.
SCHEMA_CONTEXT = {"@context": {"@vocab": SCHEMA}}


def offline_loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_CONTEXT}
    raise AssertionError(f"a JSON-LD document needs {url} from the network")


@pytest.fixture(autouse=True)
def fresh_pages():
    caches[settings.REGISTRY_PAGE_CACHE].clear()
    yield
    caches[settings.REGISTRY_PAGE_CACHE].clear()


def expand(document):
    return jsonld.expand(document, {"documentLoader": offline_loader})


def blocks(html):
    """Every JSON-LD block of a page, parsed."""
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(text) for text in found]


def page_blocks(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return blocks(response.content.decode())


def nodes_of_type(expanded, type_iri):
    """Every node (at any depth) of an expanded document whose @type holds type_iri."""
    found = []

    def walk(value):
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            if type_iri in value.get(RDF_TYPE, []):
                found.append(value)
            for key, item in value.items():
                if key != RDF_TYPE:
                    walk(item)

    walk(expanded)
    return found


def value(node, iri):
    """The first value of a property: a literal's @value or a reference's @id."""
    item = node[iri][0]
    return item.get("@value", item.get("@id"))


def test_the_data_page_has_a_data_catalogue_of_datasets_with_their_downloads(client, founding):
    [block] = page_blocks(client, "/data/")
    expanded = expand(block)
    [catalogue] = nodes_of_type(expanded, SCHEMA + "DataCatalog")
    assert value(catalogue, SCHEMA + "name") == "ASCN Registry"
    found = nodes_of_type(expanded, SCHEMA + "Dataset")
    assert len(found) == len(datasets.DATASETS)
    for dataset in found:
        for prop in ("name", "description", "url", "license", "creator", "distribution"):
            assert SCHEMA + prop in dataset, prop
        assert value(dataset, SCHEMA + "license") == settings.DATA_LICENCE["url"]
        downloads = dataset[SCHEMA + "distribution"]
        assert {value(d, SCHEMA + "encodingFormat") for d in downloads} == {
            "text/csv",
            "application/json",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
        for download in downloads:
            assert client.get(value(download, SCHEMA + "contentUrl")).status_code == 200


def test_a_city_page_has_a_place_with_its_coordinates(client, founding):
    city = City.objects.get(slug="bangkok")
    [block] = page_blocks(client, city.get_absolute_url())
    [place] = nodes_of_type(expand(block), SCHEMA + "Place")
    assert value(place, SCHEMA + "name") == "Bangkok"
    [geo] = place[SCHEMA + "geo"]
    assert value(geo, SCHEMA + "latitude") == float(city.latitude)
    assert value(geo, SCHEMA + "longitude") == float(city.longitude)
    [country] = place[SCHEMA + "containedInPlace"]
    assert value(country, SCHEMA + "name") == "Thailand"


def test_a_city_without_coordinates_has_a_place_without_geo(client, db):
    city = factories.city(latitude=None, longitude=None)
    [block] = page_blocks(client, city.get_absolute_url())
    [place] = nodes_of_type(expand(block), SCHEMA + "Place")
    assert SCHEMA + "geo" not in place


def test_a_member_state_page_has_a_government_organisation(client, founding):
    state = MemberState.objects.get(code="VN")
    [block] = page_blocks(client, state.get_absolute_url())
    [government] = nodes_of_type(expand(block), SCHEMA + "GovernmentOrganization")
    assert value(government, SCHEMA + "name") == "Government of Viet Nam"
    assert value(government, SCHEMA + "url") == "http://testserver" + state.get_absolute_url()
    [area] = government[SCHEMA + "areaServed"]
    assert value(area, SCHEMA + "identifier") == "VNM"


def test_text_that_would_close_the_block_is_escaped_and_reads_back_unchanged(client, db):
    name = 'Tricky </script><script>alert(1)</script> & <!-- "City"'
    city = factories.city(name=name)
    html = client.get(city.get_absolute_url()).content.decode()
    assert "alert(1)</script>" not in html.split("<body>")[0]
    [block] = blocks(html)
    assert block["name"] == name


def test_the_json_ld_blocks_need_no_script_exception_in_the_content_security_policy(
    client, founding
):
    response = client.get("/data/")
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert '<script type="application/ld+json">' in response.content.decode()


def catalogue(client):
    response = client.get("/data/catalog.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    return expand(json.loads(response.content))


def test_the_dcat_catalogue_has_dcat_ap_s_catalogue_properties(client, founding):
    [node] = nodes_of_type(catalogue(client), DCAT + "Catalog")
    for prop in (DCT + "title", DCT + "description", DCT + "publisher", DCAT + "dataset"):
        assert prop in node, prop
    for prop in (DCT + "license", DCT + "modified", FOAF + "homepage", DCT + "spatial"):
        assert prop in node, prop
    [publisher] = node[DCT + "publisher"]
    assert value(publisher, FOAF + "name") == "ASEAN Smart Cities Network"
    assert node[DCT + "modified"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
    codes = {ref["@id"].rsplit("/", 1)[1] for ref in node[DCT + "spatial"]}
    assert codes == set(MemberState.objects.values_list("code_alpha3", flat=True))


def test_every_dcat_dataset_and_distribution_has_its_required_and_recommended_properties(
    client, founding
):
    expanded = catalogue(client)
    found = nodes_of_type(expanded, DCAT + "Dataset")
    assert len(found) == len(datasets.DATASETS) + 1  # and the whole registry
    for dataset in found:
        for prop in ("title", "description", "publisher", "spatial", "modified", "license"):
            assert DCT + prop in dataset, prop
        for prop in ("distribution", "theme", "keyword", "landingPage"):
            assert DCAT + prop in dataset, prop
        assert DCAT + "contactPoint" not in dataset  # none is configured
    distributions = nodes_of_type(expanded, DCAT + "Distribution")
    assert len(distributions) == 3 * len(datasets.DATASETS) + 2
    for distribution in distributions:
        for prop in (DCAT + "accessURL", DCAT + "downloadURL", DCAT + "mediaType"):
            assert prop in distribution, prop
        for prop in (DCT + "format", DCT + "license", DCT + "title", DCT + "modified"):
            assert prop in distribution, prop
        download = value(distribution, DCAT + "downloadURL")
        assert client.get(download).status_code == 200, download


def test_a_configured_contact_address_is_every_dataset_s_contact_point(client, founding, settings):
    settings.DATA_CONTACT_EMAIL = "data@ascn.example"
    for dataset in nodes_of_type(catalogue(client), DCAT + "Dataset"):
        [contact] = dataset[DCAT + "contactPoint"]
        assert value(contact, VCARD + "hasEmail") == "mailto:data@ascn.example"


def test_the_catalogue_and_the_package_state_the_configured_licence(client, founding, settings):
    settings.DATA_LICENCE = {
        "name": "ODbL 1.0",
        "url": "https://opendatacommons.org/licenses/odbl/1-0/",
    }
    [node] = nodes_of_type(catalogue(client), DCAT + "Catalog")
    assert value(node, DCT + "license") == settings.DATA_LICENCE["url"]
    package = json.loads(client.get("/data/datapackage.json").content)
    assert package["licenses"][0]["path"] == settings.DATA_LICENCE["url"]
    assert package["licenses"][0]["name"] == "ODbL 1.0"


def test_a_dataset_whose_records_have_a_history_says_when_it_was_issued(client, founding):
    city = City.objects.get(slug="bangkok")
    city.save()
    # Issued: the first record of any city (the founding data's baselines); modified: the last.
    issued = City.history.earliest().history_date
    modified = City.history.latest().history_date
    [cities] = [
        node
        for node in nodes_of_type(catalogue(client), DCAT + "Dataset")
        if node["@id"] == "http://testserver/cities/"
    ]
    assert value(cities, DCT + "issued") == issued.isoformat()
    assert value(cities, DCT + "modified") == modified.isoformat()
