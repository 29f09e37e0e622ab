"""Two member states, a member-state editor of the first, and what the admin's forms post.

Shared by the permission table (tests/test_permissions.py) and the member-state scoping tests
(tests/staff/test_member_state_scoping.py); the `world` and `state_client` fixtures are in
conftest.py.
"""

from django.test import Client
from django.urls import reverse

from registry import permissions
from registry.models import (
    Agreement,
    City,
    MemberState,
    MemberStateEditor,
    Network,
    Officer,
    Source,
)

from . import factories
from .conftest import make_staff

INLINE_PREFIXES = {
    City: ["officers"],
    MemberState: ["cities", "national_representatives"],
}


class World:
    def __init__(self):
        self.network = factories.network()
        self.own_state = factories.member_state(network=self.network)
        self.other_state = factories.member_state(network=self.network)
        self.state_editor = make_staff("state-editor", permissions.MEMBER_STATE_EDITOR_GROUP)
        MemberStateEditor.objects.create(user=self.state_editor, member_state=self.own_state)

    def state(self, side):
        return self.other_state if side == "other" else self.own_state

    def record(self, model, side):
        """A fresh record of `model`, with nothing depending on it.

        `side` is "own" or "other" for the member-state editor's records, None for the
        other roles' (whose records belong to no one's member states).
        """
        state = self.state(side)
        if model is Network:
            return factories.network()
        if model is MemberState:
            record = factories.member_state(network=self.network)
            if side == "own":
                MemberStateEditor.objects.create(user=self.state_editor, member_state=record)
            return record
        if model is City:
            return factories.city(member_state=state)
        if model is Officer:
            return factories.officer(city=factories.city(member_state=state))
        if model is Agreement:
            return factories.agreement(network=self.network)
        if model is Source:
            return factories.source()
        return factories.organisation()

    def client(self, role):
        client = Client()
        users = {
            "viewer": lambda: make_staff("viewer", "Secretariat viewer"),
            "editor": lambda: make_staff("editor", "Secretariat editor"),
            "superuser": lambda: make_staff("root", is_superuser=True),
        }
        if role.startswith("state_editor"):
            client.force_login(self.state_editor)
        elif role in users:
            client.force_login(users[role]())
        return client


def form_data(obj, **changes):
    """What the admin form of `obj` posts when saved unchanged, then `changes`."""
    data = {}
    for field in [*obj._meta.concrete_fields, *obj._meta.many_to_many]:
        if not field.editable or field.primary_key:
            continue
        value = field.value_from_object(obj)
        if field.many_to_many:
            value = [related.pk for related in value]
        data[field.name] = "" if value is None else value
    data["version"] = obj.version
    for prefix in INLINE_PREFIXES.get(type(obj), []):
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(changes)
    return data


def url(model, view, *args):
    return reverse(f"admin:registry_{model._meta.model_name}_{view}", args=args)
