"""Generated query strings and form posts to every URL pattern, as every role: never a 5xx.

Every pattern of the URLconf (the public site and the admin, resolved recursively) is filled
in with ids and slugs of records that exist, then asked with hypothesis's query strings and
form fields: known parameter names with hostile values, and arbitrary names. Bounded: a few
hundred requests in all.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import permissions
from registry.models import City, MemberState, MemberStateEditor

from .conftest import make_staff

pytestmark = pytest.mark.django_db

KNOWN_PARAMETERS = [
    "page",
    "p",
    "q",
    "as_of",
    "format",
    "member_state",
    "city",
    "role",
    "current",
    "kind",
    "party",
    "year",
    "o",
    "e",
    "_changelist_filters",
    "term",
    "app_label",
    "model_name",
    "field_name",
    "import_file_name",
    "original_file_name",
    "resource",
    "confirm",
    "action",
    "_selected_action",
    "version",
    "name",
    "pilot_since__gte",
    "date__year",
]
HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "99999999999999999999999",
            "-99999999999999999999",
            "١٢",
            "１２",
            "2018-7-8",
            "２０１８-０７-０８",
            "2018-07-08 ",
            "1e9999",
            "NaN",
            "last",
            "\x00",
            "' OR 1=1 --",
            "%",
            "../../etc/passwd",
            "a" * 300,
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
PARAMETERS = st.dictionaries(
    st.one_of(st.sampled_from(KNOWN_PARAMETERS), st.text(min_size=1, max_size=10)),
    HOSTILE_TEXT,
    max_size=4,
)
ROLES = ["anonymous", "viewer", "editor", "state editor", "superuser"]


def patterns(resolver=None, prefix="", namespace=""):
    """(name, converters' names) of every named pattern, with its namespace."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from patterns(entry, prefix, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, list(entry.pattern.regex.groupindex)


def urls():
    """Every named pattern filled in with ids and slugs that exist."""
    city = City.objects.first()
    values = {
        "object_id": str(city.pk),
        "version_id": str(city.history.first().pk) if city.history.exists() else "1",
        "slug": city.slug,
        "app_label": "registry",
        "content_type_id": "1",
        "name": "0" * 32,
        "uidb64": "x",
        "token": "x",
        "url": "registry/city/",
        "section": "cities",
    }
    found = set()
    for name, groups in patterns():
        if name.startswith("admin:registry_memberstateeditor"):
            continue
        kwargs = {group: values.get(group, "1") for group in groups}
        try:
            found.add(reverse(name, kwargs=kwargs))
        except Exception:
            try:
                found.add(reverse(name))
            except Exception:
                continue
    return sorted(found)


@pytest.fixture
def clients(founding):
    state = MemberState.objects.get(code="TH")
    state_editor = make_staff("state", permissions.MEMBER_STATE_EDITOR_GROUP)
    MemberStateEditor.objects.create(user=state_editor, member_state=state)
    users = {
        "viewer": make_staff("viewer", "Secretariat viewer"),
        "editor": make_staff("editor", "Secretariat editor"),
        "state editor": state_editor,
        "superuser": make_staff("root", is_superuser=True),
    }
    result = {}
    for role in ROLES:
        client = Client()
        client.raise_request_exception = False
        if role in users:
            client.force_login(users[role])
        result[role] = client
    return result


def test_every_url_pattern_is_reached(founding):
    found = urls()
    assert "/cities/" in found and reverse("admin:registry_city_changelist") in found
    assert reverse("admin:registry_city_history", args=[City.objects.first().pk]) in found
    assert len(found) > 60


def test_generated_requests_to_every_url_as_every_role_are_never_a_server_error(clients):
    found = urls()

    @settings(
        max_examples=250,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(
        url=st.sampled_from(found),
        role=st.sampled_from(ROLES),
        method=st.sampled_from(["get", "get", "post"]),
        parameters=PARAMETERS,
    )
    def request_never_fails(url, role, method, parameters):
        response = getattr(clients[role], method)(url, parameters)
        assert response.status_code < 500, (method, url, role, parameters)

    request_never_fails()
