import datetime
import io
import json
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from registry.models import (
    Agreement,
    City,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
)

from .. import factories

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = (Network, MemberState, City, Officer, Agreement, Source, Organisation)


def assert_rejected_by_database(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_latitude_out_of_range_is_rejected_by_the_database():
    state = factories.member_state()
    assert_rejected_by_database(lambda: factories.city(member_state=state, latitude=200))
    assert_rejected_by_database(lambda: factories.city(member_state=state, latitude=-90.5))
    assert_rejected_by_database(lambda: factories.city(member_state=state, longitude=180.1))
    factories.city(member_state=state, latitude=-90, longitude=180)


def test_a_city_has_both_coordinates_or_neither():
    state = factories.member_state()
    assert_rejected_by_database(lambda: factories.city(member_state=state, longitude=None))
    factories.city(member_state=state, latitude=None, longitude=None)


def test_officer_needs_exactly_one_of_city_and_member_state():
    city = factories.city()
    assert_rejected_by_database(
        lambda: Officer.objects.create(name="Both", city=city, member_state=city.member_state)
    )
    assert_rejected_by_database(lambda: Officer.objects.create(name="Neither"))


def test_officer_role_must_match_the_post():
    city = factories.city()
    assert_rejected_by_database(
        lambda: Officer.objects.create(
            name="Wrong", city=city, role=Officer.Role.NATIONAL_REPRESENTATIVE
        )
    )
    assert_rejected_by_database(
        lambda: Officer.objects.create(name="Wrong", member_state=city.member_state)
    )


def test_duplicate_iso_code_is_rejected_by_the_database():
    factories.member_state(code="ZZ", code_alpha3="ZZZ")
    assert_rejected_by_database(lambda: factories.member_state(code="ZZ", code_alpha3="ZZY"))
    assert_rejected_by_database(lambda: factories.member_state(code="zz", code_alpha3="ZZY"))


def test_end_date_before_start_date_is_rejected_by_the_database():
    city = factories.city()
    assert_rejected_by_database(
        lambda: factories.officer(
            city=city, start_date=datetime.date(2020, 1, 2), end_date=datetime.date(2020, 1, 1)
        )
    )
    factories.officer(
        city=city, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 1, 1)
    )


def test_same_city_name_allowed_in_two_states_but_not_twice_in_one():
    first, second = factories.member_state(), factories.member_state()
    factories.city(name="San Jose", member_state=first)
    factories.city(name="San Jose", member_state=second)
    assert_rejected_by_database(lambda: factories.city(name="San Jose", member_state=first))


def test_one_tenure_per_person_post_and_start_date_even_when_undated():
    city = factories.city()
    factories.officer(name="A. Person", city=city)
    assert_rejected_by_database(lambda: factories.officer(name="A. Person", city=city))
    factories.officer(name="A. Person", city=city, start_date=datetime.date(2020, 1, 1))
    assert_rejected_by_database(
        lambda: factories.officer(
            name="A. Person", city=city, start_date=datetime.date(2020, 1, 1)
        )
    )


def test_agreement_amount_needs_a_currency():
    assert_rejected_by_database(lambda: factories.agreement(amount=10))
    assert_rejected_by_database(lambda: factories.agreement(amount=-1, currency="AUD"))
    factories.agreement(amount=10, currency="AUD")


def test_mou_needs_two_parties():
    mou = factories.agreement(kind=Agreement.Kind.MOU)
    one = factories.organisation()
    with pytest.raises(ValidationError):
        mou.clean_parties([one])
    mou.clean_parties([one, factories.organisation()])


def test_officer_clean_explains_a_mismatched_post():
    city = factories.city()
    officer = Officer(name="X", role=Officer.Role.NATIONAL_REPRESENTATIVE, city=city)
    with pytest.raises(ValidationError) as error:
        officer.full_clean()
    assert "member_state" in error.value.message_dict


def test_natural_keys_find_each_record(founding):
    for model in REGISTRY_MODELS:
        for obj in model.objects.all():
            assert model.objects.get_by_natural_key(*obj.natural_key()) == obj


def test_national_representative_natural_key_is_distinct_from_a_csco():
    state = factories.member_state(code="XY", code_alpha3="XYZ")
    rep = factories.officer(name="Rep", member_state=state)
    assert rep.natural_key() == ("Rep", None, "XY")
    assert Officer.objects.get_by_natural_key("Rep", None, "XY") == rep


def test_is_stale_after_two_years_or_when_never_verified():
    today = datetime.date(2026, 11, 25)
    city = City(last_verified=None)
    assert city.is_stale(today)
    city.last_verified = datetime.date(2024, 11, 26)
    assert not city.is_stale(today)
    city.last_verified = datetime.date(2024, 11, 1)
    assert city.is_stale(today)


def test_every_model_has_a_readable_str(founding):
    assert str(City.objects.get(name="Phnom Penh")) == "Phnom Penh"
    officer = Officer.objects.get(name="Seng Vannak")
    assert str(officer) == "Seng Vannak (Chief Smart City Officer, Phnom Penh)"
    for model in REGISTRY_MODELS:
        assert all(str(obj) for obj in model.objects.all())


def test_get_absolute_url_uses_slugs(founding):
    assert City.objects.get(name="Phnom Penh").get_absolute_url() == "/cities/phnom-penh/"
    assert MemberState.objects.get(code="VN").get_absolute_url() == "/member-states/viet-nam/"
    assert Officer.objects.get(name="Seng Vannak").get_absolute_url() == "/cities/phnom-penh/"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_natural_key_dump_flush_load_gives_the_same_data(tmp_path):
    call_command("loaddata", "founding_2018", verbosity=0)

    def snapshot():
        # Compare by natural keys and values, not primary keys, which a reload may change.
        data = {}
        for model in REGISTRY_MODELS:
            rows = []
            for obj in model.objects.all():
                values = {
                    f.name: getattr(obj, f.attname)
                    for f in model._meta.concrete_fields
                    if not f.primary_key and not f.is_relation
                }
                relations = {
                    f.name: getattr(obj, f.name).natural_key() if getattr(obj, f.name) else None
                    for f in model._meta.concrete_fields
                    if f.is_relation
                }
                m2m = {
                    f.name: sorted(o.natural_key() for o in getattr(obj, f.name).all())
                    for f in model._meta.many_to_many
                }
                rows.append((obj.natural_key(), values, relations, m2m))
            data[model.__name__] = sorted(rows, key=lambda row: str(row[0]))
        return data

    before = snapshot()
    out = io.StringIO()
    # The registry's records; their change history is dumped with primary keys (test_backup).
    labels = [model._meta.label for model in REGISTRY_MODELS]
    call_command("dumpdata", *labels, natural_foreign=True, natural_primary=True, stdout=out)
    dumped = json.loads(out.getvalue())
    assert all("pk" not in obj for obj in dumped)

    call_command("flush", interactive=False, verbosity=0)
    assert City.objects.count() == 0

    path = tmp_path / "registry.json"
    path.write_text(out.getvalue())
    call_command("loaddata", str(path), verbosity=0)
    assert snapshot() == before


@pytest.mark.parametrize("model", [Network, MemberState, City, Agreement, Source, Organisation])
def test_every_slug_field_takes_slugs_in_any_script_and_stores_them_composed(model):
    field = model._meta.get_field("slug")
    decomposed = unicodedata.normalize("NFD", "đà-nẵng")
    assert field.clean(decomposed, None) == "đà-nẵng"
    assert field.clean("สมชาย-ใจดี่", None) == "สมชาย-ใจดี่"
    for invalid in ("a b", "a--b", "-a"):
        with pytest.raises(ValidationError):
            field.clean(invalid, None)
    # The form field too: Django's own Unicode slug field refuses the marks.
    form_field = field.formfield()
    assert form_field.clean(decomposed) == "đà-nẵng"
    assert form_field.clean("ສົມໃຈ່") == "ສົມໃຈ່"
    with pytest.raises(ValidationError):
        form_field.clean("a b")
