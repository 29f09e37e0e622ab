"""
The public site in a real browser: Debian's chromium and chromium-driver, driven by Selenium.

Skipped, with the reason, where no browser is installed (.ci/run installs it); every other
test still runs.
"""

import shutil

import pytest
from django.core.management import call_command

# serialized_rollback: the live server needs committed data, and restoring the migrations'
# rows (content types, groups) keeps later transactional tests from finding duplicates.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEADLESS_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
]


def find(*names):
    return next((path for name in names if (path := shutil.which(name))), None)


@pytest.fixture(scope="module")
def download_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(download_dir):
    chromium = find("chromium", "chromium-browser")
    driver_path = find("chromedriver")
    if not chromium or not driver_path:
        pytest.skip(
            "No Chromium browser and driver found (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in HEADLESS_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.implicitly_wait(5)
    # Headless Chromium drops downloads unless told where to put them.
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)}
    )
    yield driver
    driver.quit()


@pytest.fixture
def site(live_server, browser):
    call_command("loaddata", "founding_2018", verbosity=0)
    browser.get_log("browser")  # start each test with an empty console
    return live_server.url


def console_errors(browser):
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def test_home_map_marker_leads_to_the_city_page(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + "/")
    assert browser.title.startswith("ASEAN Smart Cities Network")
    markers = browser.find_elements(By.CSS_SELECTOR, "svg.map .map-markers a")
    assert len(markers) == 26
    stylesheet = browser.find_element(By.CSS_SELECTOR, ".site-header")
    assert stylesheet.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"

    marker = browser.find_element(By.CSS_SELECTOR, 'svg.map a[aria-label="Kota Kinabalu"]')
    label = marker.find_element(By.CSS_SELECTOR, "text.map-label")
    assert not label.is_displayed()
    browser.execute_script("arguments[0].focus()", marker)
    assert label.is_displayed()  # the name shows on keyboard focus
    marker.find_element(By.CSS_SELECTOR, "circle").click()

    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/cities/"))
    assert browser.current_url == site + "/cities/kota-kinabalu/"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Kota Kinabalu"
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Stanley Chong Hon Chung" in body and "Tantinny Fung Chew Li" in body
    assert console_errors(browser) == []


def test_filter_cities_by_member_state(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(site + "/cities/")
    Select(browser.find_element(By.ID, "id_member_state")).select_by_value("TH")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()

    WebDriverWait(browser, 10).until(expected_conditions.url_contains("member_state=TH"))
    cities = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "tbody th")]
    assert cities == ["Bangkok", "Chonburi", "Phuket"]
    assert console_errors(browser) == []


def test_skip_link_moves_focus_to_the_content(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(site + "/officers/")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to main content"
    assert skip.value_of_css_property("outline-style") != "none"  # visible focus
    skip.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "content"
    assert console_errors(browser) == []


def test_admin_export_page_select_all_works_under_the_csp(site, browser):
    """The export page's "Select all" box is bound by a script file, not an inline handler."""
    from django.conf import settings
    from django.test import Client
    from selenium.webdriver.common.by import By

    from .conftest import make_staff

    client = Client()
    client.force_login(make_staff("root", is_superuser=True))
    browser.get(site + "/admin/login/")
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }
    )
    browser.get(site + "/admin/registry/city/export/")
    boxes = browser.find_elements(
        By.CSS_SELECTOR, ".selectable-field-export-row input[type=checkbox]"
    )
    assert boxes and all(box.is_selected() for box in boxes)
    browser.find_element(By.ID, "select-all-toggle").click()
    assert not any(box.is_selected() for box in boxes)
    assert console_errors(browser) == []


def test_download_the_filtered_cities_as_csv(site, browser, download_dir):
    import csv
    import io

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + "/cities/?member_state=th")
    browser.find_element(By.LINK_TEXT, "CSV").click()

    target = download_dir / "ascn-cities.csv"
    WebDriverWait(browser, 10).until(lambda _: target.exists() and target.stat().st_size > 0)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ["Bangkok", "Chonburi", "Phuket"]
    assert {row["member_state"] for row in rows} == {"TH"}
    assert console_errors(browser) == []
