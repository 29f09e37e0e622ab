"""
The public site in a real browser: Debian's chromium and chromium-driver, driven by Selenium.

Skipped, with the reason, where no browser is installed (.ci/run installs it); every other
test still runs.
"""

import shutil
from pathlib import Path

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


def test_home_map_dot_shows_its_names_on_a_tap_and_leads_to_the_city_page(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + "/")
    assert browser.title.startswith("ASEAN Smart Cities Network")
    # Wide screen: the dots placed for wide screens show, those for phones do not.
    dots = browser.find_elements(By.CSS_SELECTOR, ".map-dots--wide a.map-dot")
    assert dots and all(dot.is_displayed() for dot in dots)
    assert not browser.find_element(By.CSS_SELECTOR, ".map-dots--narrow a.map-dot").is_displayed()
    stylesheet = browser.find_element(By.CSS_SELECTOR, ".site-header")
    assert stylesheet.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"

    (dot,) = [d for d in dots if "Kota Kinabalu" in d.get_attribute("aria-label")]
    box = dot.find_element(By.TAG_NAME, "circle").rect
    assert box["width"] >= 24 and box["height"] >= 24  # WCAG 2.2 target size
    callout = browser.find_element(By.ID, dot.get_dom_attribute("href").removeprefix("#"))
    assert not callout.is_displayed()
    browser.execute_script("arguments[0].focus()", dot)
    assert callout.is_displayed()  # the names show on keyboard focus
    browser.execute_script("arguments[0].blur()", dot)
    dot.find_element(By.CSS_SELECTOR, "circle").click()  # a tap: no script, a #target
    assert browser.current_url.endswith("#" + callout.get_attribute("id"))
    assert callout.is_displayed()
    callout.find_element(By.XPATH, ".//*[local-name()='text'][.='Kota Kinabalu']").click()

    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/cities/"))
    assert browser.current_url == site + "/cities/kota-kinabalu/"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Kota Kinabalu"
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Stanley Chong Hon Chung" in body and "Tantinny Fung Chew Li" in body
    assert console_errors(browser) == []


def test_filters_fold_behind_a_disclosure_on_a_phone_and_show_on_a_wide_screen(site, browser):
    from selenium.webdriver.common.by import By

    try:
        browser.set_window_size(400, 800)
        browser.get(site + "/officers/")
        summary = browser.find_element(By.CSS_SELECTOR, "details.filter-disclosure > summary")
        field = browser.find_element(By.ID, "id_member_state")
        assert summary.is_displayed() and summary.text.startswith("Filter")
        assert not browser.execute_script("return arguments[0].checkVisibility()", field)
        viewport = browser.execute_script("return window.innerHeight")
        results = browser.find_element(By.ID, "results-heading")
        assert results.rect["y"] < viewport  # the results start on the first screen
        summary.click()
        assert field.is_displayed()

        browser.set_window_size(1200, 900)
        browser.get(site + "/officers/")
        summary = browser.find_element(By.CSS_SELECTOR, "details.filter-disclosure > summary")
        assert not summary.is_displayed()
        # Rendered although the disclosure is closed (Selenium's is_displayed() calls
        # anything in a closed <details> hidden, whatever the stylesheet says).
        field = browser.find_element(By.ID, "id_member_state")
        assert browser.execute_script("return arguments[0].checkVisibility()", field)
        assert field.rect["width"] > 100 and field.rect["height"] >= 24
        assert console_errors(browser) == []
    finally:
        browser.set_window_size(1280, 1000)


def test_filter_cities_by_member_state(site, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + "/cities/")
    # As a person does it, by pointer and keyboard: on a wide screen the form shows inside a
    # closed <details>, which Selenium's own element commands refuse to touch.
    select = browser.find_element(By.ID, "id_member_state")
    actions = ActionChains(browser)
    actions.move_to_element(select).click().send_keys("Thailand", Keys.ENTER).perform()
    assert select.get_property("value") == "TH"
    submit = browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]")
    ActionChains(browser).move_to_element(submit).click().perform()

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


# Accessibility: axe-core in the browser -------------------------------------------------------

AXE_SOURCE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

PUBLIC_PAGES = [
    "/",
    "/?as_of=2019-01-01",
    "/?as_of=bad",
    "/member-states/",
    "/member-states/thailand/",
    "/cities/",
    "/cities/?member_state=TH",
    "/cities/bangkok/",
    "/cities/da-nang/?as_of=2019-01-01",
    "/officers/",
    "/officers/?member_state=VN&role=csco&current=all&q=a",
    "/officers/?as_of=2020-06-30",
    "/officers/?member_state=nowhere",
    "/agreements/",
    "/agreements/mou-jetro-undp/",
    "/sources/",
    "/changes/",
]
ERROR_PAGES = {
    "/test-errors/400/": 400,
    "/test-errors/403/": 403,
    "/no-such-page/": 404,
    "/test-errors/500/": 500,
}


@pytest.fixture
def axe(browser):
    """Run axe-core on the page the browser shows; return its violations, one line each."""
    if not AXE_SOURCE.exists():
        pytest.skip("axe-core is not installed (npm ci at the repository root installs it)")
    source = AXE_SOURCE.read_text(encoding="utf-8")

    def run():
        browser.execute_script(source)
        violations = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations), e => done([{id: 'axe-error', help: String(e),"
            " impact: 'error', nodes: []}]));"
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            for v in violations
        ]

    browser.set_script_timeout(60)
    return run


def test_every_public_page_type_has_no_axe_violations(site, browser, axe):
    found = {}
    for path in PUBLIC_PAGES:
        browser.get(site + path)
        assert browser.find_element("tag name", "h1").text, path
        if violations := axe():
            found[path] = violations
    assert found == {}


def test_a_page_of_changes_has_no_axe_violations(site, browser, axe):
    from .test_changes import record_some_changes

    record_some_changes()
    browser.get(site + "/changes/")
    assert browser.find_elements("css selector", "ol.changes li del")
    assert axe() == []


@pytest.mark.parametrize("width", [400, 1200])
def test_home_and_a_filtered_list_have_no_axe_violations_at_phone_and_desktop_widths(
    site, browser, axe, width
):
    browser.set_window_size(width, 900)
    try:
        found = {}
        for path in ["/", "/officers/?member_state=TH", "/cities/bangkok/"]:
            browser.get(site + path)
            if violations := axe():
                found[path] = violations
        assert found == {}
    finally:
        browser.set_window_size(1280, 1000)


def test_every_error_page_is_in_the_site_frame_with_no_axe_violations(
    site, browser, axe, settings
):
    settings.ROOT_URLCONF = "tests.error_urls"
    settings.DEBUG = False
    found = {}
    for path in ERROR_PAGES:
        browser.get(site + path)
        # The site's frame: the skip link, the header's navigation, one heading.
        assert browser.find_element("css selector", "a.skip-link").get_attribute("href")
        assert browser.find_elements("css selector", "nav[aria-label=Main] a")
        assert browser.find_element("tag name", "h1").text, path
        if violations := axe():
            found[path] = violations
    assert found == {}


def log_in_as_superuser(site, browser):
    from django.conf import settings
    from django.test import Client

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
    return client


def upload(browser, url, path, file_format=None):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(url)
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=import_file]").send_keys(
        str(path)
    )
    if file_format is not None:
        Select(browser.find_element(By.NAME, "format")).select_by_value(file_format)
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "form input[type=submit]").click()
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(page))


def test_the_registrys_admin_pages_have_no_axe_violations(site, browser, axe, tmp_path):
    from django.urls import reverse

    from .spreadsheet_files import FORMAT_INDEX, csv_bytes, xlsx_bytes

    client = log_in_as_superuser(site, browser)
    good = tmp_path / "cities.csv"
    good.write_bytes(
        csv_bytes(
            [
                ["name", "member_state", "latitude", "longitude"],
                ["Khon Kaen", "TH", "16.4419", "102.836"],
                ["Bangkok", "TH", "13.7", "100.5"],
            ]
        )
    )
    bad = tmp_path / "refused.csv"
    bad.write_bytes(csv_bytes([["name", "member_state"], ["Atlantis", "XX"]]))
    workbook = tmp_path / "registry.xlsx"
    workbook.write_bytes(client.get(reverse("admin:registry_workbook_export")).content)
    bad_workbook = tmp_path / "bad-registry.xlsx"
    bad_workbook.write_bytes(
        xlsx_bytes([["name", "member_state"], ["Atlantis", "XX"]], title="cities")
    )
    city_import = site + reverse("admin:registry_city_import")
    workbook_import = site + reverse("admin:registry_workbook_import")

    found = {}

    def check(name, expected_text):
        assert expected_text in browser.find_element("tag name", "body").text, name
        if violations := axe():
            found[name] = violations

    browser.get(city_import)
    check("import", "Import")
    upload(browser, city_import, good, FORMAT_INDEX["csv"])
    check("import preview", "1 new, 1 updated")
    upload(browser, city_import, bad, FORMAT_INDEX["csv"])
    check("refused file", "The file was refused")
    browser.get(workbook_import)
    check("workbook import", "A workbook with one sheet per table")
    upload(browser, workbook_import, workbook)
    check("workbook preview", "26 unchanged")
    upload(browser, workbook_import, bad_workbook)
    check("refused workbook", "The workbook was refused")
    browser.get(site + reverse("admin:data-health"))
    check("data health", "What needs the secretariat's attention")
    assert found == {}
