"""Small factories: each makes one valid record, with its parents when none are given."""

import itertools

from registry.models import Agreement, City, MemberState, Network, Officer, Organisation, Source

_seq = itertools.count(1)
# Member states count on their own: their codes repeat every 52 states, which a test making
# many other records must not reach.
_state_seq = itertools.count(1)


def network(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Network {n}")
    fields.setdefault("slug", f"network-{n}")
    return Network.objects.create(**fields)


def member_state(**fields):
    n = next(_state_seq)
    # ISO 3166 leaves the X? and Q? codes to private use, so they never clash with a real
    # member state of the founding data.
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    fields.setdefault("code", "XQ"[n // 26 % 2] + letters[n % 26])
    fields.setdefault("code_alpha3", "Q" + fields["code"])
    fields.setdefault("name", f"State {fields['code']}")
    fields.setdefault("slug", f"state-{fields['code'].lower()}")
    if "network" not in fields:
        fields["network"] = Network.objects.first() or network()
    return MemberState.objects.create(**fields)


def city(**fields):
    n = next(_seq)
    fields.setdefault("name", f"City {n}")
    fields.setdefault("slug", f"city-{n}")
    if "member_state" not in fields:
        fields["member_state"] = member_state()
    fields.setdefault("network", fields["member_state"].network)
    fields.setdefault("latitude", "1.5")
    fields.setdefault("longitude", "103.5")
    return City.objects.create(**fields)


def officer(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Officer {n}")
    if "city" not in fields and "member_state" not in fields:
        fields["city"] = city()
    if fields.get("member_state") is not None and "city" not in fields:
        fields.setdefault("role", Officer.Role.NATIONAL_REPRESENTATIVE)
    return Officer.objects.create(**fields)


def organisation(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Organisation {n}")
    fields.setdefault("slug", f"organisation-{n}")
    return Organisation.objects.create(**fields)


def agreement(parties=(), **fields):
    n = next(_seq)
    fields.setdefault("title", f"Agreement {n}")
    fields.setdefault("slug", f"agreement-{n}")
    if "network" not in fields:
        fields["network"] = Network.objects.first() or network()
    obj = Agreement.objects.create(**fields)
    obj.parties.set(parties)
    return obj


def source(**fields):
    n = next(_seq)
    fields.setdefault("title", f"Source {n}")
    fields.setdefault("slug", f"source-{n}")
    return Source.objects.create(**fields)
