"""The founding fixture holds exactly what the 2018 article says, and nothing invented."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from registry.models import (
    Agreement,
    City,
    DatePrecision,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
)

pytestmark = pytest.mark.django_db

STATES = {
    "BN": ("Brunei Darussalam", "BRN", {"Bandar Seri Begawan"}),
    "KH": ("Cambodia", "KHM", {"Battambang", "Phnom Penh", "Siem Reap"}),
    "ID": ("Indonesia", "IDN", {"Makassar", "Banyuwangi", "DKI Jakarta"}),
    "LA": ("Lao PDR", "LAO", {"Luang Prabang", "Vientiane"}),
    "MY": ("Malaysia", "MYS", {"Johor Bahru", "Kuala Lumpur", "Kota Kinabalu", "Kuching"}),
    "MM": ("Myanmar", "MMR", {"Nay Pyi Taw", "Mandalay", "Yangon"}),
    "PH": ("Philippines", "PHL", {"Cebu City", "Davao City", "Manila"}),
    "SG": ("Singapore", "SGP", {"Singapore"}),
    "TH": ("Thailand", "THA", {"Bangkok", "Chonburi", "Phuket"}),
    "VN": ("Viet Nam", "VNM", {"Da Nang", "Hanoi", "Ho Chi Minh City"}),
}

# Every CSCO in the article's table: (city, name, designation as written).
CSCOS = [
    ("Bandar Seri Begawan", "Haji Ali Matyassin", "Chairman, Bandar Seri Begawan Municipal Department"),
    ("Battambang", "Soeum Bunrith", "Deputy Governor, Battambang Province"),
    ("Phnom Penh", "Seng Vannak", "Chief of Administration"),
    ("Siem Reap", "Ly Samreth", "Deputy Governor, Siem Reap Province"),
    ("Makassar", "Ismail Hajiali", "Head of Communications and Information, Makassar City Government"),
    ("Banyuwangi", "Budi Santoso", "Head of Informatics, Communications and Encryption, Banyuwangi Government"),
    ("DKI Jakarta", "Dian Ekowati", "Head of Communications and Informatics Office"),
    ("Luang Prabang", "Soukan Bounnyong", "Mayor"),
    ("Vientiane", "Bouchan Keosithamma", "Deputy Director of Public Works and Transport, Vientiane Capital"),
    ("Johor Bahru", "Maimunah Jaffar", "Head, Planning and Compliance"),
    ("Kuala Lumpur", "Datuk Najib bin Mohamad", "Executive Director (Planning)"),
    ("Kota Kinabalu", "Stanley Chong Hon Chung", "Director of City Planning Department, Dewan Bandaraya Kota Kinabalu"),
    ("Kota Kinabalu", "Tantinny Fung Chew Li", "Town Planner, City Planning Department, Dewan Bandaraya Kota Kinabalu"),
    ("Kuching", "Julin Alen", "Principal Assistant Director, State Planning Unit, Chief Minister Department, Sarawak"),
    ("Nay Pyi Taw", "Myo Aung", "Permanent Secretary, Nay Pyi Taw Development Committee"),
    ("Mandalay", "Ye Myat Thu", "Committee Member, Mandalay City Government"),
    ("Yangon", "Tin Tin Kyi", "Director of Urban Planning Division; Representative, Yangon City Development Committee"),
    ("Cebu City", "Nigel Paul C. Villarete", "City Administrator"),
    ("Davao City", "Mgen Benito Antonio T De Leon Afp", "Head Public Safety and Security Command Center"),
    ("Davao City", "Rowena Henedine Dominguez-Narajos", "Information Technology Officer II"),
    ("Manila", "Mario Zapatos Oblefias", "Head, Electronic Data Processing, Manila City Hall"),
    ("Singapore", "Tan Chee Hau", "Director(Planning & Prioritisation) Smart Nation and Digital Government Office, Prime Minister's Office"),
    ("Bangkok", "Chaiwat Thongkamkoon", "Director-General, Office of Transport and Traffic Policy and Planning"),
    ("Chonburi", "Seksan Phunboonmee", "Policy and Plan Analyst, Energy Policy and Planning Office, Ministry of Energy"),
    ("Phuket", "Passakon Prathombutr", "Senior Executive Vice President, Digital Economy Promotion Agency"),
    ("Da Nang", "Nguyen Quang Thanh", "Director, Da Nang Department of Information and Communication"),
    ("Hanoi", "Nguyen Duc Chung", "Chairman, Hanoi People's Committee"),
    ("Ho Chi Minh City", "Tran Vinh Tuyen", "Vice Chairman, Ho Chi Minh City People's Committee"),
]  # fmt: skip


def test_counts_match_the_article(founding):
    assert Network.objects.count() == 1
    assert MemberState.objects.count() == 10
    assert City.objects.count() == 26
    assert Officer.objects.count() == 28
    assert Agreement.objects.count() == 3
    # The six references plus the article itself, the only source of the CSCO table.
    assert Source.objects.count() == 7


def test_member_states_have_iso_codes_and_their_pilot_cities(founding):
    for code, (name, alpha3, cities) in STATES.items():
        state = MemberState.objects.get(code=code)
        assert (state.name, state.code_alpha3) == (name, alpha3)
        assert set(state.cities.values_list("name", flat=True)) == cities


def test_every_city_has_coordinates_in_its_region_and_joined_at_the_launch(founding):
    for city in City.objects.all():
        assert Decimal("-11") < city.latitude < Decimal("29"), city
        assert Decimal("92") < city.longitude < Decimal("141"), city
        assert city.pilot_since == datetime.date(2018, 4, 1)
        assert city.pilot_since_precision == DatePrecision.MONTH
        # The article links the action plans without giving addresses: left empty.
        assert city.action_plan_url == ""


def test_every_csco_in_the_table_with_designation_as_written(founding):
    rows = Officer.objects.values_list("city__name", "name", "designation", "role")
    assert sorted(rows) == sorted((c, n, d, Officer.Role.CSCO) for c, n, d in CSCOS)


def test_two_person_cities_list_both_officers(founding):
    for city, names in [
        ("Kota Kinabalu", {"Stanley Chong Hon Chung", "Tantinny Fung Chew Li"}),
        ("Davao City", {"Mgen Benito Antonio T De Leon Afp", "Rowena Henedine Dominguez-Narajos"}),
    ]:
        assert set(Officer.objects.filter(city__name=city).values_list("name", flat=True)) == names


def test_nothing_invented_about_officers(founding):
    # The article gives no tenure dates and names no National Representative.
    assert not Officer.objects.filter(start_date__isnull=False).exists()
    assert not Officer.objects.filter(end_date__isnull=False).exists()
    assert not Officer.objects.filter(role=Officer.Role.NATIONAL_REPRESENTATIVE).exists()
    assert not Officer.objects.filter(sources=None).exists()


def test_network_launch_and_inaugural_meeting(founding):
    network = founding
    assert network.acronym == "ASCN"
    assert (network.launch_date, network.launch_date_precision) == (
        datetime.date(2018, 4, 1),
        DatePrecision.MONTH,
    )
    assert "32nd ASEAN Summit" in network.launch_event
    assert "Singapore's ASEAN Chairmanship 2018" in network.launch_event
    assert network.inaugural_meeting_date == datetime.date(2018, 7, 8)
    assert "Five agreements" in network.inaugural_meeting_summary
    assert "synergise smart city development" in network.description


def test_agreements_parties_dates_and_amounts(founding):
    mou = Agreement.objects.get(kind=Agreement.Kind.MOU)
    assert set(mou.parties.values_list("abbreviation", flat=True)) == {"UNDP", "JETRO"}
    assert mou.date == datetime.date(2018, 7, 8)
    assert mou.event == "Opening Ceremony of the Inaugural ASCN Meeting"

    amata = Agreement.objects.get(kind=Agreement.Kind.AGREEMENT)
    assert set(amata.parties.values_list("name", flat=True)) == {
        "Amata Smart City Corporation Chonburi",
        "Yokohama Urban Solutions Alliance",
    }
    assert amata.date == datetime.date(2018, 7, 8)

    fund = Agreement.objects.get(kind=Agreement.Kind.FUNDING)
    assert list(fund.parties.values_list("name", flat=True)) == ["Australia"]
    assert (fund.amount, fund.currency) == (Decimal("30000000"), "AUD")
    assert (fund.date, fund.date_precision) == (datetime.date(2018, 3, 1), DatePrecision.MONTH)
    assert Organisation.objects.count() == 5


def test_references_are_linked_to_what_they_support(founding):
    straits_times = Source.objects.get(publisher="The Straits Times")
    assert straits_times.published_on == datetime.date(2018, 3, 18)
    assert list(straits_times.agreements.values_list("kind", flat=True)) == ["funding"]
    today = Source.objects.get(publisher="TODAYonline")
    assert today.agreements.count() == 2
    assert today.networks.count() == 1
    jetro = Source.objects.get(slug="jetro-exchange-of-mou-with-undp")
    assert list(jetro.agreements.values_list("kind", flat=True)) == ["mou"]
    chairman = Source.objects.get(publisher="ASEAN Singapore 2018")
    assert chairman.networks.count() == 1
    for agreement in Agreement.objects.all():
        assert agreement.sources.exists(), agreement


def test_loading_twice_changes_nothing(founding):
    def snapshot():
        return [
            list(model.objects.order_by("pk").values())
            for model in (Network, MemberState, City, Officer, Agreement, Source, Organisation)
        ]

    before = snapshot()
    call_command("loaddata", "founding_2018", verbosity=0)
    assert snapshot() == before
