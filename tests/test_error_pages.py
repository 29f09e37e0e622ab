"""The 400, 403, 404 and 500 pages: in the site's frame, with the right status, and the 500
page without the database."""

import pytest
from django.test import RequestFactory

from registry.views import server_error

from .test_browser import ERROR_PAGES


@pytest.mark.django_db
@pytest.mark.parametrize("path,status", ERROR_PAGES.items())
def test_each_error_page_has_the_site_header_navigation_and_skip_link(
    client, settings, path, status
):
    settings.ROOT_URLCONF = "tests.error_urls"
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == status
    page = response.content.decode()
    assert '<a class="skip-link" href="#content">' in page
    assert '<nav aria-label="Main">' in page
    assert '<main id="content"' in page
    assert page.count("<h1>") == 1


def test_the_500_page_renders_without_touching_the_database():
    # No django_db mark: any query here fails the test.
    response = server_error(RequestFactory().get("/cities/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert '<nav aria-label="Main">' in page
    assert "CC BY 4.0" in page  # the footer's licence, from the settings alone
