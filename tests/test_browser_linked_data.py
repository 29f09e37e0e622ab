"""The JSON-LD blocks in a real browser (Chromium): the site's Content-Security-Policy lets
them be, since they are data, not script, and a page can read them back."""

import json

import pytest

from tests.test_browser import browser, console_errors, download_dir, site  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

READ_BLOCKS = """
return Array.from(document.querySelectorAll('script[type="application/ld+json"]'))
  .map((block) => block.textContent);
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/data/", "DataCatalog"),
        ("/cities/bangkok/", "Place"),
        ("/member-states/thailand/", "GovernmentOrganization"),
    ],
)
def test_json_ld_blocks_raise_no_csp_violation_and_read_back(site, browser, path, kind):  # noqa: F811
    browser.get(site + path)
    [text] = browser.execute_script(READ_BLOCKS)
    assert json.loads(text)["@type"] == kind
    # A block the policy refused would be reported here ("Refused to execute ...").
    assert console_errors(browser) == []
