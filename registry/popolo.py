"""
The whole registry in the Popolo data standard (https://www.popoloproject.com), for civic-data
tools: organizations, persons, posts, memberships, areas and events, each with its sources.

How the registry maps onto Popolo (README, "Popolo JSON", says the same for readers):
- the network, each member state, each pilot city and each partner of an agreement is an
  organization; member states and pilot cities are members of the network: a membership
  whose `member` is the organization (from when the city became a pilot city), written in the
  member organization's own `memberships` (Popolo's place for "the memberships of the
  organization itself"), so that the top-level `memberships` are people's, each with a
  person, an organization and a post, as readers such as everypolitician-popolo expect;
- each city has a post "Chief Smart City Officer, <city>", each member state a post
  "National Representative, <state>"; each officer's tenure is a membership of the network
  through that post, on behalf of the city or state, with its start and end dates;
- a person is one name in one post: the registry does not say whether two officers of the same
  name in different posts are one person, so it does not claim it. The name goes into the id
  whole (identifiers.name_key: every script and mark kept, one-to-one), so two names are
  never one person; one person's tenures of one post differ by start date (the database's
  unique constraints on officers say no two tenures share post, name and start date);
- member states and cities are also areas (cities with a GeoJSON point);
- agreements are events, with their parties' organization ids in `party_ids`.

Ids are stable strings built from natural keys (codes, slugs, names, dates), never database ids.
Every record carries `sources` (Popolo links: the source's own URL when known, else its entry
on the registry's sources page) and `last_verified`, an extension of the standard; member
states, cities and officers also carry what the confirmation rounds found of them
(`confirmed_on`, `confirmed_in_round`, `not_confirmed_in_round`, as in the CSV downloads).
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from . import open_data
from .identifiers import name_key
from .models import Agreement, City, DatePrecision, MemberState, Network, Officer, Organisation

_DATE_LENGTH = {DatePrecision.DAY: 10, DatePrecision.MONTH: 7, DatePrecision.YEAR: 4}


def popolo_date(day, precision=DatePrecision.DAY):
    """ISO 8601 as precise as the source: "2018-04" for a date known to the month."""
    if day is None:
        return None
    return day.isoformat()[: _DATE_LENGTH[precision]]


def network_id(network):
    return f"network:{network.slug}"


def state_id(state):
    return f"member-state:{state.code}"


def city_id(city):
    return f"city:{city.slug}"


def partner_id(organisation):
    return f"organisation:{organisation.slug}"


def post_id(officer):
    if officer.city_id:
        return f"post:csco:{officer.city.slug}"
    return f"post:national-representative:{officer.member_state.code}"


def person_id(officer):
    place = officer.city.slug if officer.city_id else officer.member_state.code
    return f"person:{place}:{name_key(officer.name)}"


class PopoloBuilder:
    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.sources_url = self.base_url + reverse("registry:source-list")

    def links(self, record):
        return [
            {
                "url": source.url or f"{self.sources_url}#{iri_to_uri(source.slug)}",
                "note": source.title,
            }
            for source in record.sources.all()
        ]

    def url(self, record):
        return self.base_url + record.get_absolute_url()

    def provenance(self, record):
        return {
            "sources": self.links(record),
            "last_verified": popolo_date(record.last_verified),
            **self.confirmation(record),
        }

    @staticmethod
    def confirmation(record):
        """What the confirmation rounds found of a member state, city or officer
        (ConfirmableQuerySet.with_confirmation()), under the names of the CSV columns."""
        if not hasattr(record, "confirmed_at"):
            return {}
        confirmed_at = record.confirmed_at
        return {
            "confirmed_on": timezone.localdate(confirmed_at).isoformat() if confirmed_at else None,
            "confirmed_in_round": record.confirmed_in,
            "not_confirmed_in_round": record.unconfirmed_in,
        }

    def build(self):
        networks = list(Network.objects.prefetch_related("sources").order_by("pk"))
        self.network_ids = {network.pk: network_id(network) for network in networks}
        network = networks[0] if networks else None
        states = list(MemberState.objects.prefetch_related("sources").with_confirmation())
        cities = list(City.objects.with_state().with_sources().with_confirmation())
        officers = list(
            Officer.objects.with_posts().with_sources().with_in_post_as_of().with_confirmation()
        )
        partners = list(Organisation.objects.prefetch_related("sources"))
        agreements = list(Agreement.objects.with_parties().with_sources())

        organizations, memberships, areas, events = [], [], [], []
        if network:
            organizations.append(self.network(network))
            events.extend(self.network_events(network))
        for state in states:
            organizations.append(self.state(state))
            areas.append(self.state_area(state))
        for city in cities:
            organizations.append(self.city(city))
            areas.append(self.city_area(city))
        organizations.extend(self.partner(partner) for partner in partners)

        posts = [self.city_post(city) for city in cities]
        posts += [self.state_post(state) for state in states]
        persons = {}
        for officer in officers:
            person = persons.setdefault(person_id(officer), self.person(officer))
            person["sources"] += [s for s in self.links(officer) if s not in person["sources"]]
            memberships.append(self.officer_membership(officer))
        events.extend(self.agreement(agreement) for agreement in agreements)

        return {
            "meta": {
                "title": network.name if network else "ASCN Registry",
                "url": self.base_url + "/",
                "standard": "https://www.popoloproject.com/specs/",
                "license": open_data.licence_metadata(),
                "citation": open_data.citation(
                    self.base_url + reverse("registry:popolo"),
                    dataset="Popolo JSON",
                    publisher=network.name if network else "",
                ),
            },
            "organizations": organizations,
            "persons": list(persons.values()),
            "posts": posts,
            "memberships": memberships,
            "areas": areas,
            "events": events,
        }

    # Organizations ---------------------------------------------------------------------

    def network(self, network):
        return {
            "id": network_id(network),
            "name": network.name,
            "other_names": [{"name": network.acronym}] if network.acronym else [],
            "classification": "network",
            "description": network.description,
            "founding_date": popolo_date(network.launch_date, network.launch_date_precision),
            "links": [{"url": self.url(network), "note": "ASCN Registry"}],
            **self.provenance(network),
        }

    def state(self, state):
        return {
            "id": state_id(state),
            "name": state.name,
            "classification": "member state",
            "identifiers": [
                {"scheme": "ISO 3166-1 alpha-2", "identifier": state.code},
                {"scheme": "ISO 3166-1 alpha-3", "identifier": state.code_alpha3},
            ],
            "area_id": f"area:{state.code}",
            "links": [{"url": self.url(state), "note": "ASCN Registry"}],
            "memberships": [self.state_membership(state)],
            **self.provenance(state),
        }

    def city(self, city):
        links = [{"url": self.url(city), "note": "ASCN Registry"}]
        if city.action_plan_url:
            links.append({"url": city.action_plan_url, "note": "Smart city action plan"})
        return {
            "id": city_id(city),
            "name": city.name,
            "classification": "pilot city",
            "parent_id": state_id(city.member_state),
            "area_id": f"area:{city.slug}",
            "links": links,
            "memberships": [self.city_membership(city)],
            **self.provenance(city),
        }

    def partner(self, organisation):
        return {
            "id": partner_id(organisation),
            "name": organisation.name,
            "other_names": (
                [{"name": organisation.abbreviation}] if organisation.abbreviation else []
            ),
            "classification": "partner",
            "links": [{"url": organisation.url, "note": "Website"}] if organisation.url else [],
            **self.provenance(organisation),
        }

    # Areas ---------------------------------------------------------------------------------

    def state_area(self, state):
        return {
            "id": f"area:{state.code}",
            "name": state.name,
            "identifier": state.code,
            "classification": "country",
        }

    def city_area(self, city):
        area = {
            "id": f"area:{city.slug}",
            "name": city.name,
            "classification": "city",
            "parent_id": f"area:{city.member_state.code}",
        }
        if city.latitude is not None:
            area["geometry"] = {
                "type": "Point",
                "coordinates": [float(city.longitude), float(city.latitude)],
            }
        return area

    # Posts, persons and memberships ------------------------------------------------------

    def city_post(self, city):
        return {
            "id": f"post:csco:{city.slug}",
            "label": f"{Officer.Role.CSCO.label}, {city.name}",
            "role": str(Officer.Role.CSCO.label),
            "organization_id": self.network_ids[city.network_id],
            "area_id": f"area:{city.slug}",
        }

    def state_post(self, state):
        role = Officer.Role.NATIONAL_REPRESENTATIVE.label
        return {
            "id": f"post:national-representative:{state.code}",
            "label": f"{role}, {state.name}",
            "role": str(role),
            "organization_id": self.network_ids[state.network_id],
            "area_id": f"area:{state.code}",
        }

    def person(self, officer):
        return {"id": person_id(officer), "name": officer.name, "sources": []}

    def officer_membership(self, officer):
        place = officer.city or officer.member_state
        start = officer.start_date.isoformat() if officer.start_date else "undated"
        return {
            "id": f"membership:{person_id(officer)}:{start}",
            "label": officer.designation or None,
            "role": str(officer.get_role_display()),
            "person_id": person_id(officer),
            "organization_id": self.network_ids[place.network_id],
            "post_id": post_id(officer),
            "on_behalf_of_id": city_id(place) if officer.city_id else state_id(place),
            "area_id": f"area:{place.slug if officer.city_id else place.code}",
            "start_date": popolo_date(officer.start_date),
            "end_date": popolo_date(officer.end_date),
            **self.provenance(officer),
            **self.in_post_as_of(officer),
        }

    @staticmethod
    def in_post_as_of(officer):
        """An open tenure's latest evidence (OfficerQuerySet.with_in_post_as_of), beside
        Popolo's own fields: no end date claims only that none is recorded."""
        if officer.end_date:
            return {}
        return {"in_post_as_of": popolo_date(officer.in_post_as_of)}

    def state_membership(self, state):
        return {
            "id": f"membership:{state_id(state)}",
            "role": "member state",
            "member": {"@type": "Organization", "id": state_id(state)},
            "organization_id": self.network_ids[state.network_id],
            "area_id": f"area:{state.code}",
            **self.provenance(state),
        }

    def city_membership(self, city):
        return {
            "id": f"membership:{city_id(city)}",
            "role": "pilot city",
            "member": {"@type": "Organization", "id": city_id(city)},
            "organization_id": self.network_ids[city.network_id],
            "on_behalf_of_id": state_id(city.member_state),
            "area_id": f"area:{city.slug}",
            "start_date": popolo_date(city.pilot_since, city.pilot_since_precision),
            "end_date": popolo_date(city.pilot_until),
            **self.provenance(city),
        }

    # Events ------------------------------------------------------------------------------

    def network_events(self, network):
        events = []
        if network.launch_date:
            events.append(
                {
                    "id": f"event:launch:{network.slug}",
                    "name": f"Launch of the {network.name}",
                    "classification": "launch",
                    "location": network.launch_event or None,
                    "start_date": popolo_date(network.launch_date, network.launch_date_precision),
                    "organization_id": network_id(network),
                    **self.provenance(network),
                }
            )
        if network.inaugural_meeting_date:
            events.append(
                {
                    "id": f"event:inaugural-meeting:{network.slug}",
                    "name": f"Inaugural meeting of the {network.name}",
                    "classification": "meeting",
                    "description": network.inaugural_meeting_summary or None,
                    "start_date": popolo_date(network.inaugural_meeting_date),
                    "organization_id": network_id(network),
                    **self.provenance(network),
                }
            )
        return events

    def agreement(self, agreement):
        event = {
            "id": f"event:agreement:{agreement.slug}",
            "name": agreement.title,
            "classification": str(agreement.get_kind_display()),
            "description": agreement.summary or None,
            "location": agreement.event or None,
            "start_date": popolo_date(agreement.date, agreement.date_precision),
            "organization_id": self.network_ids[agreement.network_id],
            "party_ids": [partner_id(party) for party in agreement.parties.all()],
            "url": self.url(agreement),
            **self.provenance(agreement),
        }
        if agreement.amount is not None:
            event["amount"] = {"value": str(agreement.amount), "currency": agreement.currency}
        return event


def build(base_url):
    """The registry as one Popolo JSON document (a dict); a constant number of queries."""
    return PopoloBuilder(base_url).build()
