"""`?as_of=` never writes an invalid value back into the page's `<input type="date">`."""

import re

import pytest

from registry.date_input import IsoDateInput, is_iso_date

pytestmark = pytest.mark.django_db


def as_of_input(page):
    return re.search(r'<input type="date" name="as_of"[^>]*>', page).group(0)


@pytest.mark.parametrize("path", ["/", "/cities/", "/cities/bangkok/", "/officers/"])
@pytest.mark.parametrize("value", ["bad", "2018-02-30", "20180708", "2018-W28-1", "8/7/2018"])
def test_an_invalid_as_of_is_not_written_back_into_the_date_input(founding, client, path, value):
    response = client.get(path, {"as_of": value})
    assert response.status_code == 400
    field = as_of_input(response.content.decode())
    assert "value=" not in field
    assert "Enter a date as YYYY-MM-DD" in response.content.decode()


def test_a_valid_as_of_is_kept_in_the_date_input(founding, client):
    field = as_of_input(client.get("/cities/", {"as_of": "2018-07-08"}).content.decode())
    assert 'value="2018-07-08"' in field


def test_a_future_as_of_is_refused_but_stays_in_the_input_as_the_valid_date_it_is(
    founding, client
):
    response = client.get("/cities/", {"as_of": "2999-01-01"})
    assert response.status_code == 400
    assert 'value="2999-01-01"' in as_of_input(response.content.decode())


def test_the_date_input_accepts_only_real_yyyy_mm_dd_dates():
    assert is_iso_date("2018-07-08")
    assert not any(map(is_iso_date, ["2018-02-30", "20180708", "2018-W28-1", "", "2018-7-8"]))
    widget = IsoDateInput()
    assert 'type="date"' in widget.render("as_of", "bad")
    assert "value=" not in widget.render("as_of", "bad")


@pytest.mark.parametrize(
    "value", ["2018-7-8", "２０１８-０７-０８", "2018-07-08 ", " 2018-07-08", "2018-07-08\n"]
)
@pytest.mark.parametrize("path", ["/", "/cities/", "/officers/", "/cities/bangkok/"])
def test_as_of_is_exactly_yyyy_mm_dd_in_ascii_digits(founding, client, path, value):
    response = client.get(path, {"as_of": value})
    assert response.status_code == 400, value
    assert "YYYY-MM-DD" in response.content.decode()
    assert client.get(path, {"as_of": "2018-07-08"}).status_code == 200


@pytest.mark.parametrize("value", ["２０１８", " 2018", "2018 ", "2_018", "٢٠١٨"])
def test_the_agreement_year_is_ascii_digits(founding, client, value):
    assert client.get("/agreements/", {"year": value}).status_code == 400
    assert client.get("/agreements/", {"year": "2018"}).status_code == 200
