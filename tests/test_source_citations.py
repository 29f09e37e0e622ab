"""What each source supports: the UNION behind the sources page."""

import datetime

import pytest

from registry.models import MemberState, Source

from . import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [None, datetime.date(2018, 7, 8)])
def test_what_a_source_supports_is_what_its_relations_hold(founding, day):
    """supported_records() (one UNION) lists what prefetching each relation listed."""
    state = MemberState.objects.get(code="TH")
    source = Source.objects.get(slug="asean-smart-cities-network-article")
    representative = factories.officer(name="Somsak", member_state=state)
    representative.sources.add(source)
    supported = Source.objects.all().supported_records(day)
    for source in Source.objects.all():
        cities = source.cities.all()
        officers = source.officers.all()
        agreements = source.agreements.all()
        if day:
            cities = cities.pilot_on(day)
            officers = officers.in_post_on(day)
            agreements = agreements.signed_by(day)
        expected = {
            "networks": list(source.networks.all()),
            "member_states": list(source.member_states.all()),
            "cities": list(cities),
            "officers": list(officers),
            "agreements": list(agreements),
            "organisations": list(source.organisations.all()),
        }
        records = supported.get(source.pk, {kind: [] for kind in expected})
        for kind, items in expected.items():
            assert [r.pk for r in records[kind]] == [r.pk for r in items], (source, kind)
        # What the page shows of each: names, posts ("Chief Smart City Officer, Bangkok"), links.
        for kind in ("member_states", "cities", "officers", "agreements"):
            assert [(str(r), r.get_absolute_url()) for r in records[kind]] == [
                (str(r), r.get_absolute_url()) for r in expected[kind]
            ]
        assert [c.member_state.name for c in records["cities"]] == [
            c.member_state.name for c in expected["cities"]
        ]
    assert any(o.pk == representative.pk for s in supported.values() for o in s["officers"])
