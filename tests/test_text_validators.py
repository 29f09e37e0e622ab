"""One-line fields refuse line breaks and control characters in admin forms and imports alike;
multi-line fields keep their line breaks."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from registry.models import City, Source
from registry.resources import CityResource
from registry.text_validators import multi_line, one_line

from .spreadsheet_files import csv_bytes, import_file
from .test_history import city_form_data

pytestmark = pytest.mark.django_db

NOT_ONE_LINE = ["Line\r=1+5 Town", "Line\nTown", "Tab\tTown", "Nul\x00Town", "Sep\u2028Town"]


@pytest.mark.parametrize("value", NOT_ONE_LINE)
def test_one_line_refuses_line_breaks_and_control_characters(value):
    with pytest.raises(ValidationError):
        one_line(value)


def test_one_line_accepts_every_script_and_joiners():
    for value in ["Bangkok", "กรุงเทพมหานคร", "ភ្នំពេញ", "Hà Nội", "क्‍ष", "O'Brien – Town"]:
        one_line(value)


def test_multi_line_keeps_line_breaks_and_refuses_other_control_characters():
    multi_line("First line\r\nSecond\tline\n")
    with pytest.raises(ValidationError):
        multi_line("bell\x07")


@pytest.mark.parametrize("value", NOT_ONE_LINE)
def test_the_admin_refuses_a_name_that_is_not_one_line(founding, editor_client, value):
    city = City.objects.get(name="Phnom Penh")
    url = reverse("admin:registry_city_change", args=[city.pk])
    response = editor_client.post(url, city_form_data(city, name=value))
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    city.refresh_from_db()
    assert city.name == "Phnom Penh"


@pytest.mark.parametrize("value", NOT_ONE_LINE[:3] + NOT_ONE_LINE[4:])
def test_an_import_refuses_a_name_that_is_not_one_line(founding, value):
    data = csv_bytes([["name", "member_state"], [value, "TH"]])
    result = import_file(CityResource, data)
    assert result.refused
    assert "one line" in result.report()
    assert not City.objects.filter(name=value).exists()


def test_a_source_note_keeps_its_line_breaks(founding, editor_client):
    source = Source.objects.first()
    source.note = "First paragraph.\r\n\r\nSecond paragraph."
    source.full_clean()
    source.save()
    source.refresh_from_db()
    assert "\n\r\nSecond" in source.note or "\n\nSecond" in source.note
