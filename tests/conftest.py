import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from registry.models import Network


@pytest.fixture
def founding(db):
    """The founding 2018 registry, loaded from fixtures/founding_2018.json."""
    call_command("loaddata", "founding_2018", verbosity=0)
    return Network.objects.get(slug="ascn")


def make_staff(username, group_name=None, **extra):
    user = User.objects.create_user(username, password="pw", is_staff=True, **extra)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return make_staff("editor", "Secretariat editor")


@pytest.fixture
def viewer(db):
    return make_staff("viewer", "Secretariat viewer")


@pytest.fixture
def superuser(db):
    return make_staff("root", is_superuser=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def world():
    """Two member states and a member-state editor of the first (tests/member_state_world.py)."""
    from .member_state_world import World

    return World()


@pytest.fixture
def state_client(world):
    return world.client("state_editor_own")
